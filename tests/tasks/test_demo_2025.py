"""The demo lives through 2025: the reorganisations of the register and what public sources say
happened to the tasks of Notice No. 56/TB-VPCP, replayed by ``seed_demo`` on their dates; and
the notice's texts in Vietnamese with their English translation, shown by the reader's language."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from agencies.models import Agency, Official, ReorganisationEvent
from tasks import exports
from tasks.choices import Timeliness
from tasks.management.commands.seed_demo import DEMO_PASSWORD, expand_tasks
from tasks.models import Task, TaskEvent, TaskTransfer, text_in_language
from tasks.selectors import (
    backlog_by_lead_agency,
    backlog_totals,
    clarity_by_agency,
    timeliness_of,
    with_timeliness,
)
from tests.api.conftest import token_for

NOTICE = "56/TB-VPCP"
DISPATCH = "1086/TTg-QHDP"
#: The day the issue asked the demo to be believable on ("today" when it was written).
DEMO_TODAY = dt.date(2026, 11, 29)


def fixture(name: str) -> dict:
    return json.loads((Path(settings.BASE_DIR) / "fixtures" / name).read_text(encoding="utf-8"))


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db) -> str:
    return seed()


def task(code: str) -> Task:
    return Task.objects.select_related("lead_agency", "responsible_official").get(code=f"{NOTICE}/{code}")


# --- the fixtures ----------------------------------------------------------------------------


def test_reorganisation_fixture_maps_63_localities_to_34_with_sources():
    data = fixture("reorganisation_2025.json")
    register = {a["code"]: a for a in fixture("agencies.json")["agencies"]}
    known = set(register) | {a["code"] for a in data["new_agencies"]}
    localities = {c for c, a in register.items() if a["kind"] in ("province", "city")}
    provinces = [e for e in data["events"] if e["document"]["number"] == "202/2025/QH15"]
    ministries = [e for e in data["events"] if e["document"]["number"] == "176/2025/QH15"]
    # every locality ends in one merge or continues, and 34 remain
    ended = [code for e in provinces for code in e["predecessors"]]
    assert len(ended) == len(set(ended)) == 63 - 34
    assert len(localities - set(ended)) == 34
    assert {e["successors"][0] for e in provinces} <= localities - set(ended)
    assert "THAIBINH" in next(e for e in provinces if e["successors"] == ["HUNGYEN"])["predecessors"]
    assert {e["effective_on"] for e in provinces} == {"2025-07-01"}
    assert {e["document"]["date"] for e in provinces} == {"2025-06-12"}
    # the ministries of 1 March 2025
    assert {e["effective_on"] for e in ministries} == {"2025-03-01"}
    assert {e["document"]["date"] for e in ministries} == {"2025-02-18"}
    successors = {tuple(e["predecessors"]): e["successors"] for e in ministries}
    assert successors[("MIC",)] == ["MOST"]
    assert successors[("MPI",)] == ["MOF"]
    assert successors[("MONRE", "MARD")] == ["MAE"]
    assert successors[("MOT",)] == ["MOC"]
    assert successors[("CEMA",)] == ["MERA"]
    assert successors[("MOLISA",)][0] == "MOHA"
    for event in data["events"]:
        assert set(event["predecessors"]) | set(event["successors"]) <= known, event["key"]
        # checked against more than one public source, named by address
        assert len(event["sources"]) >= 2, event["key"]
        assert all(s.startswith("https://") or s.startswith("http://") for s in event["sources"])
    assert data["_disagreements"]


def test_replay_fixture_names_existing_tasks_and_two_sources_per_step():
    codes = {t["code"] for t in expand_tasks(fixture("notice_56_tb_vpcp.json"))}
    replay = fixture("notice_56_2025_replay.json")
    for step in replay["steps"]:
        assert step["task"] in codes, step
        assert len(step["sources"]) >= 2, step
    left = {code for entry in replay["left_as_they_stand"] for code in entry["tasks"]}
    assert left <= codes
    replayed = {s["task"] for s in replay["steps"]}
    assert not left & replayed


# --- the register after 2025 -------------------------------------------------------------------


def test_seed_applies_the_2025_reorganisations(seeded):
    assert ReorganisationEvent.objects.count() == len(fixture("reorganisation_2025.json")["events"])
    assert not ReorganisationEvent.objects.exclude(status="applied").exists()
    codes = ("MIC", "MOST", "THAIBINH", "HUNGYEN")
    mic, most, thai_binh, hung_yen = (Agency.objects.get(code=c) for c in codes)
    assert (mic.ended_on, mic.is_active) == (dt.date(2025, 3, 1), False)
    assert most.is_active and most.ended_on is None
    assert (thai_binh.ended_on, thai_binh.is_active) == (dt.date(2025, 7, 1), False)
    assert hung_yen.is_active
    localities = Agency.objects.filter(kind__in=["province", "city"])
    assert localities.count() == 63
    assert localities.filter(is_active=True).count() == 34
    assert Agency.objects.get(code="MAE").valid_from == dt.date(2025, 3, 1)
    assert Agency.objects.get(code="MERA").name_vi == "Bộ Dân tộc và Tôn giáo"
    # people moved with their agency, their logins intact
    assert Official.objects.get(username="mic.focal").agency == most
    assert Official.objects.get(username="thaibinh.focal").agency == hung_yen
    assert Official.objects.get(username="mic.focal").check_password(DEMO_PASSWORD)


def test_moved_tasks_say_where_from_and_under_which_document(seeded):
    law = task("17")
    assert law.lead_agency.code == "MOST"
    transferred = law.events.get(action="transferred")
    assert "MIC" in transferred.note and "MOST" in transferred.note and "176/2025/QH15" in transferred.note
    assert transferred.at.date() == dt.date(2025, 3, 1)
    civil_status = task("13-THAIBINH")
    assert civil_status.lead_agency.code == "HUNGYEN"
    assert "202/2025/QH15" in civil_status.events.get(action="transferred").note
    land = task("14-HANOI")
    assert set(land.coordinating_agencies.values_list("code", flat=True)) == {"MAE"}


def test_transfers_record_who_held_each_task_on_each_date(seeded):
    """The data the reports as of a date read: MIC held its tasks until 28 February 2025, MOST
    from 1 March; Thai Binh until 30 June, Hung Yen from 1 July."""
    # the tasks assigned to MIC (its drafts move too; they were never assigned)
    entries = expand_tasks(fixture("notice_56_tb_vpcp.json"))
    assigned_to_mic = [e["code"] for e in entries if e["lead"] == "MIC" and e["deadline"]]
    mic_tasks = Task.objects.filter(code__in=assigned_to_mic)
    assert mic_tasks.count() == 7
    for t in mic_tasks:
        transfer = TaskTransfer.objects.get(task=t, role="lead")
        assert (transfer.from_agency.code, transfer.to_agency.code) == ("MIC", "MOST")
        assert transfer.effective_on == dt.date(2025, 3, 1)
    coordination = TaskTransfer.objects.get(task=task("23"))
    assert (coordination.role, coordination.from_agency.code, coordination.to_agency.code) == (
        "coordinating",
        "MIC",
        "MOST",
    )
    for t in Task.objects.filter(code__endswith="-THAIBINH").exclude(status="draft"):
        transfer = TaskTransfer.objects.get(task=t, role="lead")
        assert (transfer.from_agency.code, transfer.to_agency.code) == ("THAIBINH", "HUNGYEN")
        assert transfer.effective_on == dt.date(2025, 7, 1)


# --- what happened, dated as it happened --------------------------------------------------------


def test_laws_submitted_in_may_and_passed_in_june_are_completed_on_time(seeded):
    for code, submitted, passed, law in (
        ("20", dt.date(2025, 5, 5), dt.date(2025, 6, 26), "91/2025/QH15"),
        ("17", dt.date(2025, 5, 9), dt.date(2025, 6, 14), "71/2025/QH15"),
    ):
        t = task(code)
        assert t.status == "completed"
        assert (t.completion_date, t.completion_confirmed_on) == (submitted, passed)
        assert t.submitted_at.astimezone(dt.UTC).date() == submitted
        assert timeliness_of(t, DEMO_TODAY) == Timeliness.COMPLETED_ON_TIME
        submission = t.events.get(action="submitted")
        assert submission.at.date() == submitted
        assert submission.note.startswith("Reconstructed from https://")
        assert "Reconstructed from https://" in t.result_summary
        confirmation = t.events.get(action="confirmed")
        assert law in confirmation.note and "Reconstructed from https://" in confirmation.note
    report = task("20").progress_reports.get()
    assert report.reported_on == dt.date(2025, 4, 23)
    assert "Reconstructed from https://" in report.note


def test_history_is_in_date_order(seeded):
    for code in ("17", "20", "11-THAIBINH"):
        stamps = list(task(code).events.order_by("id").values_list("at", flat=True))
        assert stamps == sorted(stamps), code
        assert stamps[0].date() == dt.date(2025, 2, 23)


def test_the_2026_plan_carries_the_digital_signature_target_into_2026(seeded):
    for member in ("MPS", "MIC", "HANOI", "THAIBINH"):
        t = task(f"11-{member}")
        assert (t.original_deadline, t.deadline) == (dt.date(2025, 6, 30), dt.date(2026, 12, 31))
        extension = t.extension_requests.get()
        assert extension.status == "approved"
        assert "11/QĐ-BCĐCP" in extension.reason and "(interpretation)" in extension.decision_note
        assert timeliness_of(t, DEMO_TODAY) == Timeliness.IN_PROGRESS_WITHIN_DEADLINE


def notice_tasks():
    """The tasks of Notice 56, whose 2025 these tests replay (the demo's other directive,
    Dispatch 1086, has its own test below)."""
    return Task.objects.filter(directive__number=NOTICE)


def test_dashboard_today_shows_on_time_within_deadline_and_overdue(seeded):
    totals = backlog_totals(backlog_by_lead_agency(notice_tasks(), DEMO_TODAY))
    # two laws on time, the digital-signature target carried into 2026, the rest overdue
    assert totals[Timeliness.COMPLETED_ON_TIME] == 2
    assert totals[Timeliness.IN_PROGRESS_WITHIN_DEADLINE] == 4
    assert totals[Timeliness.IN_PROGRESS_OVERDUE] == 25
    # no public source we found tells of a task completed after its deadline
    assert totals[Timeliness.COMPLETED_LATE] == 0


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # before the first deadline everything is within it
        (dt.date(2025, 2, 24), {"in_progress_within_deadline": 31}),
        # the February plans are late; the laws are still being drafted
        (dt.date(2025, 3, 15), {"in_progress_within_deadline": 27, "in_progress_overdue": 4}),
        # the Digital Technology Industry Law passed on 14 June; the Personal Data Protection Law,
        # submitted in May, waits for the vote of 26 June (overdue until confirmed); the March
        # deadlines (civil status data, rewards) have passed
        (
            dt.date(2025, 6, 20),
            {"completed_on_time": 1, "in_progress_within_deadline": 22, "in_progress_overdue": 8},
        ),
        # and the end-of-June targets (identification, land data) have passed; the deadline of
        # the digital-signature task reads as extended (a deadline is not kept as of a date)
        (
            dt.date(2025, 7, 31),
            {"completed_on_time": 2, "in_progress_within_deadline": 16, "in_progress_overdue": 13},
        ),
    ],
)
def test_history_replays_month_by_month(seeded, as_of, expected):
    counts = dict.fromkeys(Timeliness.values, 0) | expected
    totals = backlog_totals(backlog_by_lead_agency(notice_tasks(), as_of))
    assert {c: totals[c] for c in Timeliness.values} == counts


def test_the_dispatch_1086_quarterly_report_is_a_standing_task_per_ministry(seeded):
    """Dispatch 1086/TTg-QHDP (10 November 2023): ministers report to the Prime Minister before
    the 25th of each quarter's middle month. One standing task per demo ministry, given on the
    day of the dispatch; no report under it is recorded (we found none), so every quarter from
    the fourth of 2023 counts once in the backlog, overdue."""
    tasks = Task.objects.filter(directive__number=DISPATCH).select_related("lead_agency")
    assert {t.code.rsplit("-", 1)[1]: t.lead_agency.code for t in tasks} == {
        "MPS": "MPS",
        "MIC": "MOST",  # moved with MIC's other open tasks on 1 March 2025
        "MOHA": "MOHA",
    }
    for t in tasks:
        assert (t.status, t.recurrence, t.due_month, t.due_day, t.deadline) == (
            "assigned",
            "quarterly",
            2,
            24,
            None,
        )
        assert t.missing_clears == []
        begun = t.occurrences.filter(period_start__lte=DEMO_TODAY).order_by("period_start")
        assert begun.first().due_on == dt.date(2023, 11, 24)
        assert [o.due_on for o in begun][-2:] == [dt.date(2026, 8, 24), dt.date(2026, 11, 24)]
        assert begun.count() == 13  # the fourth quarter of 2023, then 2024, 2025 and 2026
    rows = {
        r["lead_agency__code"]: r
        for r in backlog_by_lead_agency(Task.objects.filter(directive__number=DISPATCH), DEMO_TODAY)
    }
    assert {code: r[Timeliness.IN_PROGRESS_OVERDUE] for code, r in rows.items()} == {
        "MPS": 13,
        "MOST": 13,
        "MOHA": 13,
    }
    assert all(r["total"] == 13 for r in rows.values())
    # The clarity index weighs each the same: its quarters begun by the date, credited to the
    # agency of that date (before the merger, MIC's; six quarters by 15 February 2025).
    dispatch = Task.objects.filter(directive__number=DISPATCH)
    clarity = {
        r["lead_agency__code"]: (r["tasks"], r["complete"])
        for r in clarity_by_agency(dispatch, as_of=DEMO_TODAY)
    }
    assert clarity == {"MPS": (13, 13), "MOST": (13, 13), "MOHA": (13, 13)}
    before = {
        r["lead_agency__code"]: r["tasks"] for r in clarity_by_agency(dispatch, as_of=dt.date(2025, 2, 15))
    }
    assert before == {"MPS": 6, "MIC": 6, "MOHA": 6}


def test_second_seed_replays_nothing(seeded):
    events = TaskEvent.objects.count()
    output = seed()
    assert "0 reorganisations applied, 0 task steps done" in output
    assert TaskEvent.objects.count() == events


# --- Vietnamese texts, English for those who prefer it ---------------------------------------------


def test_texts_are_vietnamese_with_the_english_kept(seeded):
    t = task("20")
    assert t.title == "Hoàn thiện dự án Luật Bảo vệ dữ liệu cá nhân trình Quốc hội"
    assert t.title_en == (
        "Complete the draft Personal Data Protection Law for submission to the National Assembly"
    )
    assert t.deadline_phrase == "tại Kỳ họp thứ 9 tháng 5 năm 2025"
    assert t.deadline_phrase_en == "at the 9th Session in May 2025"
    with translation.override("en"):
        assert t.title_i18n == t.title_en
        assert t.expected_result_i18n == t.expected_result_en
        assert t.directive.title_i18n.startswith("Conclusion of the Session")
    with translation.override("vi"):
        assert t.title_i18n == t.title
        assert t.directive.title_i18n.startswith("Kết luận")
    # either falls back to the other when it is missing
    assert text_in_language("Tiêu đề", "", "en") == "Tiêu đề"
    assert text_in_language("", "Title", "vi") == "Title"


def _login(client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302


def _heading_and_clears(page: str) -> str:
    """The task's heading and its five clears (the history below quotes both languages, as
    recorded)."""
    return page[page.index("<h1>") : page.index('id="history"')]


def test_task_page_in_the_readers_language(seeded, client):
    law = task("17")
    # mic.focal prefers English (and moved to MOST with the task)
    _login(client, "mic.focal")
    page = _heading_and_clears(client.get(reverse("web:task_detail", args=[law.pk])).content.decode())
    assert law.title_en in page and law.title not in page
    assert law.expected_result_en in page and law.expected_result not in page
    assert "at the 9th Session in May 2025" in page
    client.post(reverse("logout"))
    client.cookies.clear()
    _login(client, "gov.monitor")
    page = _heading_and_clears(client.get(reverse("web:task_detail", args=[law.pk])).content.decode())
    assert law.title in page and law.title_en not in page
    assert "tại Kỳ họp thứ 9 tháng 5 năm 2025" in page


def test_export_and_email_in_the_readers_language(seeded):
    law = task("20")
    tasks = with_timeliness(Task.objects.filter(pk=law.pk).select_related("directive", "lead_agency"))
    with translation.override("en"):
        assert law.title_en in exports.task_table(tasks)[0]
    with translation.override("vi"):
        assert law.title in exports.task_table(tasks)[0]
    item = {"task": law, "directive": law.directive, "deadline": law.deadline, "level": 1}
    for language, expected, other in (("en", law.title_en, law.title), ("vi", law.title, law.title_en)):
        with translation.override(language):
            text = render_to_string(f"notifications/email/message_{language}.txt", {"items": [item]})
        assert expected in text and other not in text, language


def test_api_gives_both_languages_and_search_finds_the_vietnamese_without_accents(seeded):
    client = APIClient()
    token = token_for(Official.objects.get(username="gov.monitor"))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/tasks/", {"search": "luat bao ve du lieu ca nhan"})
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()["results"]}
    assert {f"{NOTICE}/20", f"{NOTICE}/21"} <= set(rows)
    law = rows[f"{NOTICE}/20"]
    assert law["title"] == "Hoàn thiện dự án Luật Bảo vệ dữ liệu cá nhân trình Quốc hội"
    assert law["title_en"].startswith("Complete the draft Personal Data Protection Law")
    assert law["deadline_phrase_en"] == "at the 9th Session in May 2025"
