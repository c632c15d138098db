"""Who gets in: the permission matrix exhausted (role x action x own / coordinating / other
agency) on the web app and the API, IDs guessed across agencies, login lockout, CSRF on every
form, security headers and a CSP on every page, and no secret written into the settings.

The expected outcomes are written out by hand from docs (DESIGN.md's "who does what"), not
computed from ``tasks.permissions``: a test that asked the rules what the rules say would
prove nothing.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import re
from pathlib import Path

import pytest
from django.test import Client

from tasks import services
from tasks.models import EvidenceFile, ExtensionRequest, ProgressReport, Task, TaskEvent
from tests.api.conftest import token_for
from tests.factories import complete_task_fields
from tests.notifications.conftest import ROOT
from tests.web.conftest import build_backlog

pytestmark = [pytest.mark.usefixtures("postgres")]
PDF = b"%PDF-1.4\n%%EOF\n"

# The people around a task led by MPS with MIC coordinating; MOJ has nothing to do with it.
ROLES = ("monitor", "lead_focal", "lead_leader", "coord_focal", "coord_leader", "other_focal")


def people(world) -> dict:
    from agencies.choices import Role
    from tests.factories import OfficialFactory

    return {
        "monitor": world.monitor,
        "lead_focal": world.mps_focal,
        "lead_leader": world.mps_leader,
        "coord_focal": world.mic_focal,
        "coord_leader": world.mic_leader,
        "other_focal": world.moj_focal,
        "moj_leader": OfficialFactory(username="t.moj.leader", agency=world.moj, role=Role.LEADER),
    }


_codes = itertools.count(1)


def task_in(world, status: str) -> Task:
    """A fresh MPS task (MIC coordinating, the MPS focal point responsible) in ``status``."""
    fields = complete_task_fields(world, coordinating_agencies=[world.mic], deadline=dt.date(2031, 5, 30))
    task = services.task_create(
        actor=world.monitor, directive=world.directive, code=f"ACL-{next(_codes)}", **fields
    )
    if status == "draft":
        return task
    task = services.task_assign(actor=world.monitor, task=task)
    if status in ("in_progress", "submitted"):
        task = services.task_start(actor=world.mps_focal, task=task)
    if status == "submitted":
        task = services.task_submit(actor=world.mps_focal, task=task, result_summary="Done")
    return Task.objects.get(pk=task.pk)


# action: (status it needs, roles allowed). Everyone else who can see the task gets 403;
# other_focal cannot see it and gets 404, whatever the action.
MATRIX = {
    "view": ("assigned", {"monitor", "lead_focal", "lead_leader", "coord_focal", "coord_leader"}),
    "assign": ("draft", {"monitor"}),
    "start": ("assigned", {"monitor", "lead_focal"}),
    "progress": ("assigned", {"lead_focal", "coord_focal"}),
    "submit": ("in_progress", {"lead_focal"}),
    "extension": ("assigned", {"lead_focal"}),
    "confirm": ("submitted", {"monitor"}),
    "return": ("submitted", {"monitor"}),
    "cancel": ("assigned", {"monitor"}),
    "edit_description": ("assigned", {"monitor", "lead_focal"}),
    "edit_deadline_phrase": ("assigned", {"monitor"}),
    "approve_extension": ("extension_pending", {"monitor"}),
    "reject_extension": ("extension_pending", {"monitor"}),
}
WEB_ACTIONS = {"view", "start", "progress", "submit", "extension", "confirm", "return", "approve_extension"}


def api_call(client: Client, action: str, task: Task, extension: ExtensionRequest | None):
    base = f"/api/v1/tasks/{task.pk}/"
    match = {"HTTP_IF_MATCH": f'"{task.version}"'}
    post = lambda path, body: client.post(path, body, content_type="application/json", **match)  # noqa: E731
    if action == "view":
        return client.get(base)
    if action in ("assign", "start", "confirm"):
        return post(base + f"{action}/", {})
    if action == "progress":
        return post(base + "progress-reports/", {"note": "Tiến độ", "percent": 30})
    if action == "submit":
        return post(base + "submit/", {"result_summary": "Đã xong"})
    if action == "extension":
        return post(base + "extension-requests/", {"proposed_deadline": "2031-12-31", "reason": "Lý do"})
    if action in ("return", "cancel"):
        return post(base + f"{action}/", {"reason": "Chưa đạt"})
    if action == "edit_description":
        return client.patch(base, {"description": "Mô tả mới"}, content_type="application/json", **match)
    if action == "edit_deadline_phrase":
        return client.patch(base, {"deadline_phrase": "cuối năm"}, content_type="application/json", **match)
    if action == "approve_extension":
        return post(f"/api/v1/extension-requests/{extension.pk}/approve/", {"note": ""})
    if action == "reject_extension":
        return post(f"/api/v1/extension-requests/{extension.pk}/reject/", {"note": "Không"})
    raise AssertionError(action)


def web_call(client: Client, action: str, task: Task, extension: ExtensionRequest | None):
    base = f"/tasks/{task.pk}/"
    version = {"version": task.version}
    if action == "view":
        return client.get(base)
    if action == "start":
        return client.post(base + "start/", version)
    if action == "progress":
        return client.post(base + "progress/", {**version, "note": "Tiến độ", "percent": 30})
    if action == "submit":
        return client.post(base + "submit/", {**version, "result_summary": "Đã xong"})
    if action == "extension":
        return client.post(
            base + "extension/", {**version, "proposed_deadline": "31/12/2031", "reason": "Lý do"}
        )
    if action == "confirm":
        return client.post(base + "confirm/", version)
    if action == "return":
        return client.post(base + "return/", {**version, "reason": "Chưa đạt"})
    if action == "approve_extension":
        return client.post(f"/extensions/{extension.pk}/decide/", {"decision": "approve", "note": ""})
    raise AssertionError(action)


def footprint(task: Task) -> tuple:
    """Everything a refused call must leave as it was."""
    task = Task.objects.get(pk=task.pk)
    return (
        task.version,
        task.status,
        task.description,
        task.deadline,
        ProgressReport.objects.filter(task=task).count(),
        ExtensionRequest.objects.filter(task=task).values_list("status", flat=True).first(),
        TaskEvent.objects.filter(task=task).count(),
    )


def expected(action: str, role: str) -> set[int]:
    _needs, allowed = MATRIX[action]
    if role == "other_focal":
        return {404}
    if role in allowed:
        return {200, 201, 302}
    return {403}


@pytest.mark.parametrize("door", ["api", "web"])
def test_permission_matrix_every_role_every_action(world, door, record):
    who = people(world)
    tried = 0
    failures = []
    for action, (needs, _allowed) in MATRIX.items():
        if door == "web" and action not in WEB_ACTIONS:
            continue
        for role in ROLES:
            extension = None
            if needs == "extension_pending":
                task = task_in(world, "assigned")
                extension = services.extension_request_create(
                    actor=world.mps_focal, task=task, proposed_deadline=dt.date(2031, 12, 31), reason="Lý do"
                )
                task.refresh_from_db()
            else:
                task = task_in(world, needs)
            before = footprint(task)
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            if door == "api":
                client.defaults["HTTP_AUTHORIZATION"] = f"Token {token_for(who[role])}"
                response = api_call(client, action, task, extension)
            else:
                client.force_login(who[role])
                response = web_call(client, action, task, extension)
            tried += 1
            if response.status_code not in expected(action, role):
                failures.append((action, role, response.status_code, response.content[:200]))
            if response.status_code in (403, 404):
                assert footprint(task) == before, (action, role)  # a refusal changes nothing
    assert failures == [], failures
    record(access=f"permission matrix ({door})", requests=tried, wrong_answers=len(failures))


def test_guessed_ids_of_other_agencies_objects_are_404(world, record):
    # Given MPS and MIC work with reports, evidence and extension requests
    backlog = build_backlog(world)
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.progress_report_submit(
        actor=world.mps_focal,
        task=backlog.overdue,
        note="Biên bản",
        evidence=[SimpleUploadedFile("minutes.pdf", PDF)],
    )
    services.extension_request_create(
        actor=world.mps_focal, task=backlog.within, proposed_deadline=dt.date(2025, 8, 30), reason="Lý do"
    )
    services.extension_request_create(
        actor=world.mic_focal,
        task=backlog.mic_overdue,
        proposed_deadline=dt.date(2025, 8, 30),
        reason="Lý do",
    )
    moj_tasks = set(Task.objects.filter(lead_agency=world.moj).values_list("pk", flat=True))
    # every id from just below the first to well past the last of each kind (ids keep
    # growing across test runs, so the range is taken around this test's objects)
    tasks_ids = list(Task.objects.values_list("pk", flat=True))
    file_ids = list(EvidenceFile.objects.values_list("pk", flat=True))
    ext_ids = list(ExtensionRequest.objects.values_list("pk", flat=True))
    versions = dict(Task.objects.values_list("pk", "version"))
    # When the MOJ focal point guesses every ID, through both doors
    api = Client(HTTP_AUTHORIZATION=f"Token {token_for(world.moj_focal)}")
    web = Client()
    web.force_login(world.moj_focal)
    answers: dict[int, int] = {}
    tried = 0

    def ask(response, visible: bool):
        nonlocal tried
        tried += 1
        answers[response.status_code] = answers.get(response.status_code, 0) + 1
        assert (response.status_code != 404) == visible, (response.request["PATH_INFO"], response.status_code)

    for pk in range(max(1, min(tasks_ids) - 10), max(tasks_ids) + 25):
        visible = pk in moj_tasks
        ask(api.get(f"/api/v1/tasks/{pk}/"), visible)
        ask(api.get(f"/api/v1/tasks/{pk}/progress-reports/"), visible)
        ask(api.get(f"/api/v1/tasks/{pk}/extension-requests/"), visible)
        body = {"note": "x", "percent": 99}
        ask(api.post(f"/api/v1/tasks/{pk}/progress-reports/", body, content_type="application/json"), visible)
        ask(web.get(f"/tasks/{pk}/"), visible)
        ask(web.post(f"/tasks/{pk}/progress/", {"version": versions.get(pk, 1), "note": "x"}), visible)
        ask(web.post(f"/tasks/{pk}/confirm/", {"version": versions.get(pk, 1)}), visible)
    for pk in range(max(1, min(file_ids) - 10), max(file_ids) + 25):
        ask(web.get(f"/evidence/{pk}/"), False)
    for pk in range(max(1, min(ext_ids) - 10), max(ext_ids) + 25):
        ask(api.post(f"/api/v1/extension-requests/{pk}/approve/", {}, content_type="application/json"), False)
        ask(web.post(f"/extensions/{pk}/decide/", {"decision": "approve"}), False)
    # Then nothing of theirs moved
    assert not ProgressReport.objects.filter(author=world.moj_focal).exclude(task_id__in=moj_tasks).exists()
    assert ExtensionRequest.objects.filter(status="pending").count() == 2
    assert dict(Task.objects.exclude(pk__in=moj_tasks).values_list("pk", "version")) == {
        k: v for k, v in versions.items() if k not in moj_tasks
    }
    # and the lists and exports show only MOJ's tasks
    listed = {row["id"] for row in api.get("/api/v1/tasks/").json()["results"]}
    assert listed == moj_tasks
    csv_text = web.get("/tasks/export.csv").content.decode("utf-8-sig")
    assert "Personal Data Protection" not in csv_text and "Review legal documents" in csv_text
    record(access="IDs guessed across agencies (MOJ focal point)", requests=tried, statuses=answers, leaks=0)


def test_login_and_token_lockout_after_repeated_failures(world, settings, record):
    # Given the lockout after 5 failures
    assert settings.AXES_FAILURE_LIMIT == 5
    web = Client(REMOTE_ADDR="10.0.0.9")
    for n in range(5):
        web.post("/accounts/login/", {"username": "t.mps.focal", "password": f"guess-{n}"})
    # Then the right password no longer opens the web app
    response = web.post("/accounts/login/", {"username": "t.mps.focal", "password": "pw-for-tests"})
    assert response.status_code == 429 or "_auth_user_id" not in web.session
    # and the API refuses a token for that account from that address too
    api = Client(REMOTE_ADDR="10.0.0.9")
    answer = api.post(
        "/api/v1/auth/token/",
        {"username": "t.mps.focal", "password": "pw-for-tests"},
        content_type="application/json",
    )
    assert answer.status_code in (403, 429) and "token" not in answer.json()
    # Brute force on the token endpoint alone locks out as well
    for n in range(6):
        api.post(
            "/api/v1/auth/token/",
            {"username": "t.mic.focal", "password": f"guess-{n}"},
            content_type="application/json",
        )
    answer = api.post(
        "/api/v1/auth/token/",
        {"username": "t.mic.focal", "password": "pw-for-tests"},
        content_type="application/json",
    )
    assert answer.status_code in (403, 429) and "token" not in answer.json()
    # while another official, from another address, still logs in
    ok = Client(REMOTE_ADDR="10.0.0.10").post(
        "/api/v1/auth/token/",
        {"username": "t.moj.focal", "password": "pw-for-tests"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["token"]
    record(access="login lockout (web and API token)", failures_before_lock=5, locked_out=2)


def test_every_form_refuses_a_post_without_its_csrf_token(world, record):
    backlog = build_backlog(world)
    extension = services.extension_request_create(
        actor=world.mps_focal, task=backlog.within, proposed_deadline=dt.date(2025, 8, 30), reason="Lý do"
    )
    task = backlog.within
    version = {"version": task.version}
    forms = [
        (world.mps_focal, f"/tasks/{task.pk}/start/", version),
        (world.mps_focal, f"/tasks/{task.pk}/progress/", {**version, "note": "x"}),
        (world.mps_focal, f"/tasks/{task.pk}/submit/", {**version, "result_summary": "x"}),
        (world.mps_focal, f"/tasks/{task.pk}/extension/", {**version, "proposed_deadline": "01/01/2026"}),
        (world.monitor, f"/tasks/{task.pk}/confirm/", version),
        (world.monitor, f"/tasks/{task.pk}/return/", {**version, "reason": "x"}),
        (world.monitor, f"/extensions/{extension.pk}/decide/", {"decision": "approve"}),
        (world.mps_focal, "/calendar/", {"action": "reset"}),
        (world.mps_focal, "/accounts/logout/", {}),
        (world.mps_focal, "/i18n/setlang/", {"language": "en"}),
        (world.monitor, "/admin/tasks/directive/add/", {"number": "1/X"}),
        (world.monitor, "/admin/logout/", {}),
        (None, "/accounts/login/", {"username": "t.mps.focal", "password": "pw-for-tests"}),
        (None, "/admin/login/", {"username": "t.monitor", "password": "pw-for-tests"}),
    ]
    # the API with a session (a browser) is a form too; with a token it is not
    forms.append((world.mps_focal, f"/api/v1/tasks/{task.pk}/progress-reports/", {"note": "x"}))
    before = footprint(task)
    for user, path, data in forms:
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        response = client.post(path, data)
        assert response.status_code == 403, (path, response.status_code)
    assert footprint(task) == before
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "pending"
    record(access="CSRF on every form", forms=len(forms), accepted_without_token=0)


PAGES = [
    "/",
    "/dashboard/",
    "/clarity/",
    "/tasks/",
    "/tasks/{task}/",
    "/agency/",
    "/calendar/",
    "/admin/",
    "/admin/tasks/task/",
    "/admin/tasks/task/{task}/change/",
    "/api/v1/tasks/",
    "/api/schema/",
    "/tasks/999999/",
    "/no-such-page/",
]


def test_security_headers_and_csp_on_every_page(world, record):
    backlog = build_backlog(world)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    pages = [("anonymous", "/accounts/login/", client.get("/accounts/login/"))]
    client.force_login(world.monitor)
    for path in PAGES:
        path = path.format(task=backlog.overdue.pk)
        pages.append(("monitor", path, client.get(path)))
    for _, path, response in pages:
        assert response.status_code in (200, 302, 404), (path, response.status_code)
        csp = response.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, (path, csp)
        assert "object-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        if response["Content-Type"].startswith("text/html"):
            html = response.content.decode()
            # what the CSP would block: inline scripts and inline event handlers
            inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
            assert inline == [] or all("nonce=" in tag for tag in inline), (path, inline)
            assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html), path
    record(access="security headers and CSP", pages=len(pages), missing=0)


def test_production_sends_hsts_and_secure_cookies(gunicorn):
    from tests.reliability.conftest import WebClient

    server = gunicorn(workers=1)
    client = WebClient(server.port)
    client.connection.request("GET", "/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    response = client.connection.getresponse()
    response.read()
    headers = {k.lower(): v for k, v in response.getheaders()}
    assert response.status == 200
    assert "max-age=31536000" in headers["strict-transport-security"]
    cookie = next(v for k, v in response.getheaders() if k.lower() == "set-cookie" and "csrftoken" in v)
    assert "Secure" in cookie and "SameSite=Lax" in cookie


SECRET_NAMES = re.compile(r"(SECRET|PASSWORD|TOKEN|API_KEY|PRIVATE)", re.IGNORECASE)


def literal_secrets(path: Path) -> list[str]:
    """Assignments of a non-empty string literal (or an environment default) to a secret's name."""
    found = []
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if not any(SECRET_NAMES.search(name) for name in names):
            continue
        values = [node.value]
        if isinstance(node.value, ast.Call):  # os.environ.get("X", "default") or os.getenv
            values = node.value.args[1:]
        if isinstance(node.value, ast.BoolOp):
            values = node.value.values
        for value in values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
                found.append(f"{path.name}:{node.lineno} {names[0]}")
    return found


def test_secrets_come_only_from_the_environment():
    settings_dir = ROOT / "config" / "settings"
    checked = [p for p in settings_dir.glob("*.py") if p.stem not in ("dev", "test")]
    checked += [ROOT / "config" / "celery_app.py", ROOT / "config" / "wsgi.py"]
    assert len(checked) >= 4
    found = [hit for path in checked for hit in literal_secrets(path)]
    assert found == [], found
    # the check itself finds what it looks for: the dev and test settings do hold literals
    assert literal_secrets(settings_dir / "test.py") and literal_secrets(settings_dir / "dev.py")


def _spray(client: Client, forwarded_for: list[str]) -> list[int]:
    """One wrong password per username (spraying), each request claiming another address."""
    return [
        client.post(
            "/api/v1/auth/token/",
            {"username": f"someone{n}", "password": "Summer2025!"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=claimed,
        ).status_code
        for n, claimed in enumerate(forwarded_for)
    ]


@pytest.fixture
def anon_limit_of_3(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "1000/minute"})


def test_a_forged_x_forwarded_for_does_not_escape_the_anonymous_rate_limit(world, settings, anon_limit_of_3):
    # Given no trusted proxy (the default): the address is the connection's
    assert settings.TRUSTED_PROXIES == 0
    sprayer = Client(REMOTE_ADDR="198.51.100.7")
    # When each request claims another address
    answers = _spray(sprayer, [f"203.0.113.{n}" for n in range(6)])
    # Then the claims are ignored: three tries, then 429
    assert answers == [400, 400, 400, 429, 429, 429]
    # and the lockout counts failures against the connection's address too
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_behind_one_trusted_proxy_the_right_most_address_counts(world, settings, anon_limit_of_3):
    # Given one trusted proxy in front, which appends the address it saw
    settings.TRUSTED_PROXIES = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    # When a client varies what it puts before the proxy's entry
    answers = _spray(proxy, [f"203.0.113.{n}, 198.51.100.7" for n in range(5)])
    # Then the proxy's entry (right-most) is the address: three tries, then 429
    assert answers == [400, 400, 400, 429, 429]
    # while another client behind the same proxy has its own allowance
    assert _spray(proxy, ["198.51.100.8"]) == [400]
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7", "198.51.100.8"}
