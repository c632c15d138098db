"""The search-as-you-type pickers (static/js/picker.js) in Debian's Chromium, on a desk and on
a 390 px phone, with the keyboard alone: Tab to the box, type part of a name, arrow down to a
match, Enter to choose it, Enter again to send the filters; the list is then the chosen
agency's or official's.

The pickers ask ``/api/v1/agencies/`` and ``/api/v1/officials/``, whose ``search`` forgives
missing accents and puts the best match first, so the official's name is typed without its
accents, as people type it."""

from __future__ import annotations

import re

import pytest

from tasks.models import Task
from tests.factories import build_world
from tests.web.conftest import build_backlog
from tests.web.test_accessibility import axe_violations, browser_page, focused, tab_to  # noqa: F401
from tests.web.test_browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desk": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LIST = "/tasks/?as_of=2025-06-01"


def _shown(page) -> set[str]:
    return set(
        page.locator("#task-table tbody tr[data-task]").evaluate_all("rows => rows.map(r => r.dataset.task)")
    )


def _pick(page, box: str, typed: str, expected_value: str, shot: str | None = None) -> None:
    """Reach ``box`` by Tab (opening the folded filters first, as on a phone), type, take the
    first match with the arrow and Enter, send the form."""
    folded = page.locator(f"details:has(#{box})")
    if folded.count() and folded.get_attribute("open") is None:
        tab_to(page, lambda element: element["tag"] == "summary")
        page.keyboard.press("Enter")
        assert folded.get_attribute("open") is not None
    tab_to(page, lambda element: element["id"] == box)
    page.keyboard.type(typed, delay=40)
    page.wait_for_selector(f"#{box}[aria-expanded=true]")
    options = page.locator(f"#{box} ~ ul[role=listbox] [role=option]")
    assert options.count() >= 1
    # the list opens under the box, hiding neither it nor its label
    box_area = page.locator(f"#{box}").bounding_box()
    list_area = page.locator(f"#{box} ~ ul[role=listbox]").bounding_box()
    assert list_area["y"] >= box_area["y"] + box_area["height"] - 1
    page.keyboard.press("ArrowDown")
    if shot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"))
    assert page.locator(f"#{box}").get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    assert options.first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")  # chooses; the form is not sent yet
    assert page.locator(f"#{box}").input_value().strip().rstrip(",") == expected_value
    assert focused(page)["id"] == box
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the list is closed: Enter sends the filters


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_pick_an_agency_and_an_official_with_the_keyboard(browser_page, viewport):  # noqa: F811
    world = build_world()
    data = build_backlog(world)
    world.mic_focal.last_name, world.mic_focal.first_name = "Nguyễn Thị", "Hà"
    world.mic_focal.save(update_fields=["last_name", "first_name"])
    world.monitor.language = "en" if viewport == "desk" else "vi"
    world.monitor.save(update_fields=["language"])
    page = browser_page(VIEWPORTS[viewport])
    log_in(page, "t.monitor")
    page.goto(LIST)
    everything = _shown(page)
    mic = set(Task.objects.filter(lead_agency=world.mic).values_list("code", flat=True))
    assert everything - mic, "the unfiltered list shows other agencies' tasks too"

    # The lead agency, found by a word of its English name.
    _pick(page, "id_lead_agency", "Communicat", "MIC", shot=f"monitor-picker-{viewport}")
    assert re.search(r"lead_agency=MIC", page.url)
    shown = _shown(page)
    assert shown and shown <= mic and data.mic_overdue.code in shown
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]

    # The responsible official, found by the full Vietnamese name typed without its accents.
    page.goto(LIST)
    _pick(page, "id_responsible", "nguyen thi ha", "t.mic.focal")
    assert "responsible=t.mic.focal" in page.url
    mine = set(Task.objects.filter(responsible_official=world.mic_focal).values_list("code", flat=True))
    shown = _shown(page)
    assert shown and shown == mine & everything
    assert axe_violations(page) == []
