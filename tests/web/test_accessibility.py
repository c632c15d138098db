"""Every page, for every role, on a desk and on a phone, in Debian's Chromium: axe-core (vendored
in tests/vendor/axe-core, evaluated in the page, no network) finds no serious or critical
violation, the page never scrolls sideways at 390 px, and a screenshot of each is written to
docs/screenshots/. The daily job of a focal point is done with the keyboard alone.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from agencies.choices import AgencyKind, Role
from tasks import services
from tests.factories import PASSWORD, AgencyFactory, OfficialFactory, build_world, complete_task_fields
from tests.web.browsing import log_in, pages
from tests.web.conftest import at, build_backlog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "tests" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: What fails the test: axe's two worst levels (minor and moderate ones are reported, not failed).
FAILING = ("serious", "critical")


def people() -> SimpleNamespace:
    """The test world with one official of each role the app knows, a province among the
    agencies, and tasks for each of them to see."""
    world = build_world()
    data = build_backlog(world)
    hanoi = AgencyFactory(code="HANOI", kind=AgencyKind.CITY, name_en="Hanoi People's Committee")
    hanoi_leader = OfficialFactory(username="t.hanoi.leader", agency=hanoi, role=Role.LEADER)
    hanoi_focal = OfficialFactory(
        username="t.hanoi.focal", agency=hanoi, role=Role.FOCAL_POINT, supervisor=hanoi_leader
    )
    admin = OfficialFactory(
        username="t.admin", agency=world.go, role=Role.ADMIN, is_staff=True, is_superuser=True
    )
    fields = complete_task_fields(
        world,
        title="Digitise civil-status records of Hanoi",
        lead_agency=hanoi,
        responsible_official=hanoi_focal,
        accountable_leader=hanoi_leader,
        deadline=dt.date(2025, 3, 31),
    )
    with at(dt.date(2025, 2, 25)):
        hanoi_task = services.task_create(actor=world.monitor, directive=world.directive, **fields)
        hanoi_task = services.task_assign(actor=world.monitor, task=hanoi_task)
    for official in (world.monitor, world.mps_leader, hanoi_focal, admin):
        official.language = "vi"
        official.save(update_fields=["language"])
    common = ["/dashboard/", "/clarity/", "/tasks/", "/agency/", "/calendar/", "/no-such-page/"]
    return SimpleNamespace(
        data=data,
        roles={
            "monitor": (
                world.monitor,
                [
                    *common,
                    f"/tasks/{data.overdue.pk}/",
                    f"/tasks/{data.draft.pk}/?draft",
                    "/morning/",
                    "/drafts/",
                    "/intake/",
                    "/imports/",
                ],
            ),
            "focal": (world.mps_focal, [*common, f"/tasks/{data.overdue.pk}/", "/imports/"]),
            "leader": (world.mps_leader, [*common, f"/tasks/{data.within.pk}/", "/leader/"]),
            "admin": (admin, [*common, f"/tasks/{data.on_time.pk}/", "/morning/", "/admin/"]),
            "province": (hanoi_focal, [*common, f"/tasks/{hanoi_task.pk}/"]),
        },
    )


@pytest.fixture
def browser_page(chromium_browser, live_server):
    """``make(viewport)``: a fresh context per viewport, failing the test on any CSP violation
    or script error."""
    yield from pages(chromium_browser, live_server, timeout_ms=20_000, page_errors=True)


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in FAILING]


def shot_name(role: str, path: str, tag: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    stem = re.sub(r"^tasks-\d+-draft$", "draft", stem)
    stem = re.sub(r"^tasks-\d+$", "task", stem)
    return f"{role}-{stem}-{tag}.png"


@pytest.mark.parametrize("role", ["monitor", "focal", "leader", "admin", "province"])
def test_every_page_of_each_role_passes_axe_and_fits_a_phone(browser_page, role):
    world = people()
    user, paths = world.roles[role]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    found: dict[str, list] = {}
    too_wide: dict[str, int] = {}
    leaked: dict[str, list] = {}
    for tag, viewport in (("desk", DESK), ("phone", PHONE)):
        page = browser_page(viewport)
        log_in(page, user.username)
        for path in paths:
            page.goto(path)
            page.wait_for_load_state()
            assert "/accounts/login/" not in page.url, (tag, path, page.url)
            if path.startswith("/admin/"):
                # Django's own back office: checked for its title, not held to our layout
                assert "Five Clear" in page.title()
                continue
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                too_wide[f"{tag} {path}"] = width
            # a word in snake_case on the page is a code that escaped its label
            codes = re.findall(r"\b[a-z]+_[a-z_]+\b", page.locator("body").inner_text())
            if codes:
                leaked[f"{tag} {path}"] = codes
            violations = axe_violations(page)
            if violations:
                found[f"{tag} {path}"] = violations
            if path != "/no-such-page/":  # the same page for everyone: one shot, in the login test
                page.screenshot(path=str(SCREENSHOTS / shot_name(role, path, tag)), full_page=False)
    assert too_wide == {}, too_wide
    assert leaked == {}, leaked
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_login_and_error_pages_pass_axe(browser_page, live_server):
    for viewport in (DESK, PHONE):
        page = browser_page(viewport)
        page.goto("/accounts/login/")
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.goto("/no-such-page/")
        assert page.locator("[data-status='404']").count() == 1
        assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "login-404-phone.png"))


def test_the_menu_folds_on_a_phone_and_opens_with_the_keyboard(browser_page):
    build_world()
    page = browser_page(PHONE)
    log_in(page, "t.mps.focal")
    nav = page.locator("#main-nav")
    toggle = page.locator(".nav-toggle")
    assert toggle.is_visible() and not nav.is_visible()
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav.is_visible()
    # on a desk the menu is always open and the button is not there
    desk = browser_page(DESK)
    log_in(desk, "t.mps.focal")
    assert desk.locator("#main-nav").is_visible() and not desk.locator(".nav-toggle").is_visible()


def focused(page) -> dict:
    """The focused element and whether a focus indicator is drawn around it."""
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            const s = getComputedStyle(e);
            return {tag: e.tagName.toLowerCase(), id: e.id, href: e.getAttribute('href') || '',
                    text: (e.innerText || e.value || '').trim().slice(0, 80),
                    ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
                          || (s.boxShadow && s.boxShadow !== 'none')};
        }"""
    )


def tab_to(page, wanted, limit: int = 80) -> dict:
    """Press Tab until ``wanted(element)`` holds; every element passed on the way shows focus."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        passed.append(element)
        if element["tag"] == "body":  # past the last element, Tab leaves the page and comes back
            continue
        assert element["ring"], f"no visible focus on {element} at {page.url}"
        if wanted(element):
            return element
    raise AssertionError(f"never reached the element with Tab on {page.url}: {passed}")


def test_a_focal_point_reports_progress_with_the_keyboard_only(browser_page):
    world = build_world()
    data = build_backlog(world)
    page = browser_page(DESK)
    page.goto("/accounts/login/")
    # sign in: Tab to the username, type, Tab, type, Enter
    tab_to(page, lambda e: e["id"] == "id_username")
    page.keyboard.type("t.mps.focal")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/agency/$"))
    # open the task from the agency's list
    tab_to(page, lambda e: e["href"] == f"/tasks/{data.overdue.pk}/")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/tasks/{data.overdue.pk}/$"))
    # report 85% with a note, and send
    tab_to(page, lambda e: e["id"] == "progress_percent")
    page.keyboard.press("Control+A")
    page.keyboard.type("85")
    tab_to(page, lambda e: e["id"] == "progress_note")
    page.keyboard.type("Reported from the keyboard")
    tab_to(
        page,
        lambda e: (
            e["tag"] == "button" and "progress" not in e["id"] and e["text"] in ("Send report", "Gửi báo cáo")
        ),
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".messages").count() == 1
    assert page.locator("#progress").inner_text().strip().startswith("85%")
    assert page.locator("#reports", has_text="Reported from the keyboard").count() == 1
