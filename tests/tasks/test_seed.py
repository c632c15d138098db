"""The demo seed: `manage.py seed_demo` loads the agency register, the demo logins, Notice
No. 56/TB-VPCP and its tasks from fixtures/, through the services, then replays 2025 (the
reorganisations and the outcomes: tests/tasks/test_demo_2025.py); a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from agencies.models import Agency, Official
from tasks import services
from tasks.management.commands.seed_demo import DIRECTIVE_FILES
from tasks.models import Directive, Task, TaskEvent

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "fiveclear-demo"
NOTICE = "56/TB-VPCP"
DISPATCH = "1086/TTg-QHDP"
MEMBERS = ("MPS", "MIC", "HANOI", "THAIBINH")
PROVINCES = ("HANOI", "THAIBINH")
#: Where the members' tasks are led after the reorganisations of 2025 (MIC into MOST on 1 March,
#: Thai Binh into Hung Yen on 1 July); task codes keep the agency they were assigned to.
LEAD_NOW = {"MPS": "MPS", "MIC": "MOST", "HANOI": "HANOI", "THAIBINH": "HUNGYEN", "MOHA": "MOHA"}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def fixture(name: str) -> dict:
    return json.loads((Path(settings.BASE_DIR) / "fixtures" / name).read_text(encoding="utf-8"))


def counts() -> dict[str, int]:
    return {
        "agencies": Agency.objects.count(),
        "officials": Official.objects.count(),
        "directives": Directive.objects.count(),
        "tasks": Task.objects.count(),
        "coordinations": Task.coordinating_agencies.through.objects.count(),
        "events": TaskEvent.objects.count(),
    }


def task(code: str) -> Task:
    return Task.objects.select_related("lead_agency", "responsible_official", "accountable_leader").get(
        code=code
    )


def coordinating(t: Task) -> set[str]:
    return set(t.coordinating_agencies.values_list("code", flat=True))


@pytest.fixture
def seeded() -> str:
    return seed()


def test_seed_twice_creates_nothing_the_second_time():
    # given the fixtures (the notice and the dispatch), in which a task addressed to a group
    # counts once per member
    per_directive = {
        data["directive"]["number"]: sum(
            len(data["groups"][e["lead_group"]]["members"]) if "lead_group" in e else 1 for e in data["tasks"]
        )
        for data in map(fixture, DIRECTIVE_FILES)
    }
    assert per_directive == {NOTICE: per_directive[NOTICE], DISPATCH: 3}
    expected_tasks = sum(per_directive.values())
    new_agencies = len(fixture("reorganisation_2025.json")["new_agencies"])
    # when the seed runs twice
    first_output = seed()
    after_first = counts()
    tasks_first = list(Task.objects.order_by("code").values_list("code", "status", "version", "updated_at"))
    events_first = list(TaskEvent.objects.order_by("id").values_list("id", "task__code", "action", "at"))
    officials_first = dict(Official.objects.values_list("username", "agency__code"))
    passwords_first = dict(Official.objects.values_list("username", "password"))
    second_output = seed()
    # then the first created everything, the second nothing
    assert after_first["agencies"] == len(fixture("agencies.json")["agencies"]) + new_agencies
    assert after_first["officials"] == len(fixture("demo_officials.json")["officials"])
    assert after_first["directives"] == 2
    assert after_first["tasks"] == expected_tasks
    # one "created" row per task and one "assigned" row per task with its five clears
    assert TaskEvent.objects.filter(action="created").count() == expected_tasks
    assert TaskEvent.objects.filter(action="assigned").count() == Task.objects.exclude(status="draft").count()
    for number, count in per_directive.items():
        assert f"Tasks: {count} created, 0 already present" in first_output.split(f"Directive {number}")[1]
    assert counts() == after_first
    assert list(Task.objects.order_by("code").values_list("code", "status", "version", "updated_at")) == (
        tasks_first
    )
    events = TaskEvent.objects.order_by("id").values_list("id", "task__code", "action", "at")
    assert list(events) == events_first
    # people moved by the reorganisations stay where they went
    assert dict(Official.objects.values_list("username", "agency__code")) == officials_first
    assert dict(Official.objects.values_list("username", "password")) == passwords_first
    for number, count in per_directive.items():
        assert f"Directive {number}: already present" in second_output
        assert f"Tasks: 0 created, {count} already present" in second_output.split(f"Directive {number}")[1]
    assert "0 reorganisations applied, 0 task steps done" in second_output


def test_reseeding_leaves_work_in_progress_alone(seeded):
    # given an agency that has started a task the replay leaves alone
    hanoi_focal = Official.objects.get(username="hanoi.focal")
    services.task_start(actor=hanoi_focal, task=task(f"{NOTICE}/13-HANOI"))
    events = TaskEvent.objects.count()
    # when the seed runs again
    seed()
    # then the task keeps its state and no history is added
    assert task(f"{NOTICE}/13-HANOI").status == "in_progress"
    assert TaskEvent.objects.count() == events


def test_directive_is_the_notice_of_23_february_2025(seeded):
    directive = Directive.objects.select_related("issuing_agency").get(number=NOTICE)
    assert directive.kind == "notice"
    assert directive.issued_on == dt.date(2025, 2, 23)
    assert directive.issuing_agency.code == "GO"
    assert "Ủy ban Quốc gia về chuyển đổi số và Đề án 06" in directive.title
    assert "National Committee on Digital Transformation and Project 06" in directive.title_en
    assert "Announcement No. 56/TB-VPCP dated February 23, 2025" in directive.full_text
    # the report's advertisement is not part of the notice
    assert "NBG HIGHTECH" not in directive.full_text
    # every task's English description is a sentence of the notice as reported; the
    # Vietnamese one is its rendering
    tasks = list(directive.tasks.all())
    assert tasks
    for t in tasks:
        assert t.description_en in directive.full_text, t.code
        assert t.description and t.description != t.description_en, t.code


LAW_TASKS = [
    (f"{NOTICE}/20", "MPS", "MPS", "Personal Data Protection Law", "Luật Bảo vệ dữ liệu cá nhân"),
    (f"{NOTICE}/17", "MIC", "MOST", "Digital Technology Industry Law", "Luật Công nghiệp công nghệ số"),
]


def test_law_tasks_were_assigned_for_the_9th_session(seeded):
    for code, assigned_to, lead, law, law_vi in LAW_TASKS:
        _check_law_task(task(code), assigned_to, lead, law, law_vi)


def _check_law_task(t: Task, assigned_to: str, lead: str, law: str, law_vi: str) -> None:
    assert law in t.title_en and law_vi in t.title
    assert t.title_en.startswith("Complete") and t.title.startswith("Hoàn thiện")
    assert t.lead_agency.code == lead
    assert t.deadline == t.original_deadline == dt.date(2025, 5, 31)
    assert t.deadline_phrase_en == "at the 9th Session in May 2025"
    assert t.result_kind == "deliverable"
    assert law in t.expected_result_en and "National Assembly" in t.expected_result_en
    assert law_vi in t.expected_result and "Quốc hội" in t.expected_result
    assert t.field == "legislation"
    assert t.missing_clears == []
    # the demo stand-ins of the agency it was assigned to are the person and the accountable leader
    assert t.responsible_official.username == f"{assigned_to.lower()}.focal"
    assert t.accountable_leader.username == f"{assigned_to.lower()}.leader"
    history = list(t.events.order_by("id").values_list("action", "actor__username"))
    assert history[:2] == [("created", "gov.monitor"), ("assigned", "gov.monitor")]
    assert history[-2:] == [("submitted", t.responsible_official.username), ("confirmed", "gov.monitor")]
    assert t.status == "completed"


def test_provincial_digitisation_tasks(seeded):
    for province in PROVINCES:
        _check_digitisation(province)


def _check_digitisation(province: str) -> None:
    civil_status = task(f"{NOTICE}/13-{province}")
    assert civil_status.lead_agency.code == LEAD_NOW[province]
    assert civil_status.deadline == dt.date(2025, 3, 31)
    assert civil_status.deadline_phrase_en == "before March 31, 2025"
    assert coordinating(civil_status) == {"MOJ", "MPS"}
    assert "civil status" in civil_status.title_en and "hộ tịch" in civil_status.title
    assert civil_status.status == "assigned"
    assert civil_status.responsible_official.username == f"{province.lower()}.focal"

    land = task(f"{NOTICE}/14-{province}")
    assert land.deadline == dt.date(2025, 6, 30)
    # MONRE merged into the Ministry of Agriculture and Environment on 1 March 2025
    assert coordinating(land) == {"MAE"}
    assert land.status == "assigned"


def test_rewards_task_led_by_mps_with_mic_go_and_moha(seeded):
    t = task(f"{NOTICE}/23")
    assert t.lead_agency.code == "MPS"
    # MIC's part passed to MOST with the rest of MIC on 1 March 2025
    assert coordinating(t) == {"MOST", "GO", "MOHA"}
    assert t.deadline == dt.date(2025, 3, 31)
    assert t.deadline_phrase_en == "at the session in March 2025"
    assert t.status == "assigned"


INDICATORS = [
    (7, "100", "eligible administrative procedures", dt.date(2025, 12, 31)),
    (8, "80", "administrative procedure dossiers", dt.date(2025, 12, 31)),
    (9, "40", "adult population", dt.date(2025, 12, 31)),
    (10, "100", "administrative procedure dossiers", dt.date(2025, 6, 30)),
    (11, "100", "leaders, officials and civil servants", dt.date(2025, 6, 30)),
]


def test_indicator_tasks_carry_their_targets(seeded):
    for number, target, unit_words, deadline in INDICATORS:
        _check_indicator(number, target, unit_words, deadline)


def _check_indicator(number: int, target: str, unit_words: str, deadline: dt.date) -> None:
    tasks = Task.objects.filter(code__startswith=f"{NOTICE}/{number:02d}-").select_related("lead_agency")
    # one task per member of "ministries, sectors and localities" among the demo agencies
    assert sorted(t.code.rsplit("-", 1)[1] for t in tasks) == sorted(MEMBERS)
    for t in tasks:
        assert t.lead_agency.code == LEAD_NOW[t.code.rsplit("-", 1)[1]]
        assert t.result_kind == "indicator"
        assert t.target_value == Decimal(target)
        assert t.target_unit_en.startswith("%") and unit_words in t.target_unit_en
        assert t.target_unit.startswith("%")
        assert t.expected_result.startswith(f"{target}%") and t.expected_result_en.startswith(f"{target}%")
        assert t.original_deadline == deadline
        assert t.status == "assigned"


def test_group_tasks_become_one_per_member(seeded):
    plan = Task.objects.filter(code__startswith=f"{NOTICE}/03-")
    assert sorted(plan.values_list("lead_agency__code", flat=True)) == sorted(LEAD_NOW[m] for m in MEMBERS)
    assert set(plan.values_list("deadline", flat=True)) == {dt.date(2025, 2, 28)}
    assert set(plan.values_list("deadline_phrase_en", flat=True)) == {"in February 2025"}
    assert set(plan.values_list("deadline_phrase", flat=True)) == {"trong tháng 2 năm 2025"}
    decentralisation = Task.objects.filter(code__startswith=f"{NOTICE}/12-")
    assert sorted(decentralisation.values_list("lead_agency__code", flat=True)) == sorted(
        LEAD_NOW[p] for p in PROVINCES
    )


def test_tasks_without_a_deadline_stay_drafts_naming_it(seeded):
    undated = list(Task.objects.filter(deadline__isnull=True, recurrence=""))
    assert undated, "the notice has tasks without a deadline"
    for t in undated:
        assert t.status == "draft", t.code
        assert "deadline" in t.missing_clears, t.code
        # the stand-ins give every task its person and responsibility; the text gives the task
        assert set(t.missing_clears) <= {"deadline", "result"}, t.code
    for code in (f"{NOTICE}/15", f"{NOTICE}/18", f"{NOTICE}/22"):
        assert task(code).missing_clears == ["deadline"]
    assert task(f"{NOTICE}/16").missing_clears == ["deadline", "result"]
    # and every task that has its five clears was assigned
    for t in Task.objects.exclude(status="draft"):
        assert t.missing_clears == [], t.code
    for t in Task.objects.filter(status="draft"):
        assert t.missing_clears, t.code


def test_summary_lists_drafts_with_their_missing_clears():
    output = seed()
    assert "Agencies: 87 (87 new)" in output
    assert "missing deadline, result" in output
    line = next(line for line in output.splitlines() if line.strip().startswith("missing deadline ("))
    assert f"{NOTICE}/15" in line and f"{NOTICE}/20" not in line


def test_demo_logins_authenticate_with_the_demo_password(seeded):
    usernames = list(Official.objects.values_list("username", flat=True))
    assert {
        "admin",
        "gov.monitor",
        "mps.focal",
        "mps.leader",
        "mic.focal",
        "mic.leader",
        "hanoi.focal",
    } <= set(usernames)
    for username in usernames:
        request = RequestFactory().post("/accounts/login/")
        official = authenticate(request=request, username=username, password=DEMO_PASSWORD)
        assert official is not None and official.username == username
    assert authenticate(request=RequestFactory().post("/"), username="mps.focal", password="wrong") is None


def test_demo_officials_roles_and_supervisors(seeded):
    monitor = Official.objects.get(username="gov.monitor")
    assert monitor.role == "monitor" and monitor.agency.code == "GO" and monitor.is_monitor
    admin = Official.objects.get(username="admin")
    assert admin.is_superuser and admin.role == "admin"
    assert Official.objects.get(username="mps.focal").language == "en"
    assert Official.objects.get(username="mic.focal").language == "en"
    assert Official.objects.get(username="hanoi.focal").language == "vi"
    # every agency of today that leads a seeded task has a stand-in focal point reporting to its
    # leader (the people of MIC and Thai Binh moved with their open tasks in 2025)
    leads = set(Task.objects.filter(lead_agency__is_active=True).values_list("lead_agency__code", flat=True))
    assert leads == set(LEAD_NOW.values())
    for code in leads:
        focal = Official.objects.get(agency__code=code, role="focal_point")
        leader = Official.objects.get(agency__code=code, role="leader")
        assert focal.supervisor == leader
        assert focal.email.endswith("@demo.fiveclear.vn")
        assert "stand-in" in focal.get_full_name()
        assert Task.objects.filter(lead_agency__code=code).exclude(responsible_official=focal).count() == 0
        assert Task.objects.filter(lead_agency__code=code).exclude(accountable_leader=leader).count() == 0


def _code_from_name(name_vi: str) -> str:
    for prefix in ("Ủy ban nhân dân tỉnh ", "Ủy ban nhân dân thành phố "):
        if name_vi.startswith(prefix):
            name_vi = name_vi[len(prefix) :]
    plain = unicodedata.normalize("NFD", name_vi.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in plain if c.isalnum() and unicodedata.category(c) != "Mn").upper()


def test_all_63_provinces_and_the_ministries_of_february_2025(seeded):
    localities = Agency.objects.filter(kind__in=["province", "city"])
    assert localities.count() == 63
    # Huế became the sixth centrally run city on 1 January 2025
    assert set(localities.filter(kind="city").values_list("code", flat=True)) == {
        "HANOI",
        "HOCHIMINHCITY",
        "HAIPHONG",
        "DANANG",
        "CANTHO",
        "HUE",
    }
    for agency in localities.exclude(code="HOCHIMINHCITY"):
        assert agency.code == _code_from_name(agency.name_vi), agency.name_vi
    hanoi = Agency.objects.get(code="HANOI")
    assert (hanoi.name_vi, hanoi.name_en) == ("Ủy ban nhân dân thành phố Hà Nội", "Hanoi People's Committee")
    thai_binh = Agency.objects.get(code="THAIBINH")
    assert (thai_binh.name_vi, thai_binh.name_en) == (
        "Ủy ban nhân dân tỉnh Thái Bình",
        "Thai Binh Provincial People's Committee",
    )
    # the ministries of February 2025; those set up on 1 March 2025 came after
    ministries = Agency.objects.filter(kind="ministry", valid_from__isnull=True)
    assert ministries.count() == 18
    later = Agency.objects.filter(kind="ministry", valid_from__isnull=False)
    assert set(later.values_list("code", flat=True)) == {"MAE", "MERA"}
    assert all(name.startswith("Bộ ") for name in ministries.values_list("name_vi", flat=True))
    assert {"MPS", "MIC", "MOJ", "MONRE", "MOHA", "MOET", "MOD", "MOIT", "MOLISA", "MOF", "MPI"} <= set(
        ministries.values_list("code", flat=True)
    )
    assert set(Agency.objects.filter(kind="ministerial_agency").values_list("code", flat=True)) == {
        "SBV",
        "GI",
        "CEMA",
    }
    assert Agency.objects.get(code="MPS").name_vi == "Bộ Công an"
    assert Agency.objects.get(code="MIC").name_vi == "Bộ Thông tin và Truyền thông"
    assert Agency.objects.get(code="GO").kind == "government_office"
    assert Agency.objects.get(code="NCDT").name_en == "National Committee on Digital Transformation"
    assert Agency.objects.get(code="THAIBINH_DTSC").parent.code == "THAIBINH"
    # names are stored in composed Unicode, so searching "Thái Bình" finds them
    for name in Agency.objects.values_list("name_vi", flat=True):
        assert unicodedata.is_normalized("NFC", name), name
