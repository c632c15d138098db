"""Load the demo: the agency register, demo logins, Notice No. 56/TB-VPCP and its tasks, Official
Dispatch No. 1086/TTg-QHDP (2023) and its quarterly report (a standing task), and what happened to
the notice's tasks in 2025 (``tasks.demo_2025``: the reorganisations and the outcomes public
sources give, each on its date).

Safe to run again and again (``make run`` runs it every time): agencies are matched by code,
officials by username, the directive by number and tasks by their stable code, so a second run
creates nothing and writes no history. Tasks are created and assigned through the services,
as the Government Office monitor, so the five-clear rule and the history hold for seed data too;
they are entered as on the day the notice was issued (23 February 2025). Texts are Vietnamese,
with the English kept beside them for readers who prefer English.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies.models import Agency, Official
from agencies.services import agency_upsert
from tasks import services
from tasks.choices import Recurrence, TaskStatus
from tasks.demo_2025 import ReplayResult, demo_2025_replay, moment, stamped
from tasks.models import Directive, Task, TaskOccurrence

#: Demo only: every seeded login shares it, and nothing but this command creates those logins.
DEMO_PASSWORD = "fiveclear-demo"  # noqa: S105

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
AGENCIES_FILE = "agencies.json"
OFFICIALS_FILE = "demo_officials.json"
NOTICE_FILE = "notice_56_tb_vpcp.json"
#: Official Dispatch No. 1086/TTg-QHDP (2023): the demo's standing task, a quarterly report.
DISPATCH_FILE = "dispatch_1086_ttg_qhdp.json"
#: The directives of the demo, in the order they are loaded.
DIRECTIVE_FILES = (NOTICE_FILE, DISPATCH_FILE)
MONITOR = "gov.monitor"
#: Texts of a task given in Vietnamese with their English translation (``<name>_en``).
TRANSLATED = ("title", "description", "deadline_phrase", "expected_result", "target_unit")


def _read(name: str) -> dict[str, Any]:
    try:
        return json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"Cannot read fixtures/{name}: {exc}") from exc


def expand_tasks(notice: dict[str, Any]) -> list[dict[str, Any]]:
    """The fixture's task entries, one per lead agency: a task addressed to a group becomes one
    task per member, coded ``<code>-<agency code>``."""
    expanded = []
    for entry in notice["tasks"]:
        if "lead_group" in entry:
            for member in notice["groups"][entry["lead_group"]]["members"]:
                expanded.append({**entry, "code": f"{entry['code']}-{member}", "lead": member})
        else:
            expanded.append(dict(entry))
    return expanded


class Command(BaseCommand):
    help = (
        "Load the demo data (agencies, demo logins with password 'fiveclear-demo', Notice No. "
        "56/TB-VPCP and its tasks, Dispatch No. 1086/TTg-QHDP and its quarterly report). "
        "Idempotent: running it again changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--until",
            type=dt.date.fromisoformat,
            default=None,
            help=(
                "Replay 2025 only up to this date (YYYY-MM-DD), e.g. 2025-02-23 for the notice as "
                "issued; a later run without it carries on. Default: everything the sources tell."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            agencies_new, agencies = self._agencies(_read(AGENCIES_FILE)["agencies"])
            # The intake's gazetteer aliases agencies by code: load it once the register exists.
            # The intake is an app that uses tasks, so tasks reaches it by its command only.
            if django_apps.is_installed("tasks.intake"):
                call_command("intake_load_defaults", verbosity=0)
            officials_new, officials = self._officials(_read(OFFICIALS_FILE)["officials"], agencies)
            monitor = officials[MONITOR]
            loaded = []
            for name in DIRECTIVE_FILES:
                document = _read(name)
                directive, directive_new = self._directive(document["directive"], agencies, monitor)
                created, present = self._tasks(
                    expand_tasks(document), directive, agencies, officials, monitor
                )
                loaded.append((directive, directive_new, created, present))
        # Each step of 2025 commits on its own (an interrupted replay resumes where it stopped).
        replay = demo_2025_replay(monitor=monitor, today=options.get("until"))
        self._summary(agencies, agencies_new, officials, officials_new)
        for directive, directive_new, created, present in loaded:
            self._directive_summary(directive, directive_new, created, present)
        self._replay_summary(replay)

    # --- agencies and officials -------------------------------------------------------------

    def _agencies(self, rows: list[dict[str, Any]]) -> tuple[int, dict[str, Agency]]:
        agencies: dict[str, Agency] = {}
        new = 0
        for row in rows:
            agency, created = agency_upsert(row=row)
            agencies[agency.code] = agency
            new += created
        # Parents after every agency exists, so the file's order does not matter.
        for row in rows:
            agency = agencies[row["code"]]
            parent = agencies[row["parent"]] if row.get("parent") else None
            if agency.parent_id != (parent.pk if parent else None):
                agency.parent = parent
                agency.save(update_fields=["parent"])
        return new, agencies

    def _officials(
        self, rows: list[dict[str, Any]], agencies: dict[str, Agency]
    ) -> tuple[int, dict[str, Official]]:
        officials: dict[str, Official] = {}
        new = 0
        password_hash = None  # hashed once: the hasher is slow on purpose
        for row in rows:
            defaults = {
                "agency": agencies[row["agency"]] if row["agency"] else None,
                "role": row["role"],
                "position": row["position"],
                "language": row["language"],
                "first_name": row["first_name"],
                "last_name": row["last_name"],
                "email": row["email"],
                "is_staff": row["is_staff"],
                "is_superuser": row["is_superuser"],
                "is_active": True,
            }
            # The file has the agencies of February 2025. A reorganisation moved the people of
            # an agency that has ended to its successor since: they stay there.
            moved_on = defaults["agency"] is not None and defaults["agency"].ended_on is not None
            if moved_on and Official.objects.filter(username=row["username"]).exists():
                del defaults["agency"]
            official, created = Official.objects.update_or_create(username=row["username"], defaults=defaults)
            # A demo password changed by hand is left alone; only new logins get the demo one.
            if created or not official.has_usable_password():
                password_hash = password_hash or make_password(DEMO_PASSWORD)
                official.password = password_hash
                official.save(update_fields=["password"])
            officials[official.username] = official
            new += created
        for row in rows:
            official = officials[row["username"]]
            supervisor = officials[row["supervisor"]] if row.get("supervisor") else None
            if official.supervisor_id != (supervisor.pk if supervisor else None):
                official.supervisor = supervisor
                official.save(update_fields=["supervisor"])
        return new, officials

    # --- the directive and its tasks --------------------------------------------------------

    def _directive(
        self, data: dict[str, Any], agencies: dict[str, Agency], monitor: Official
    ) -> tuple[Directive, bool]:
        existing = Directive.objects.filter(number=data["number"]).first()
        if existing:
            return existing, False
        directive = services.directive_create(
            actor=monitor,
            number=data["number"],
            kind=data["kind"],
            title=data["title"],
            title_en=data.get("title_en", ""),
            issued_on=dt.date.fromisoformat(data["issued_on"]),
            issuing_agency=agencies[data["issuing_agency"]],
            signer=data.get("signer", ""),
            full_text=data.get("full_text", ""),
            link=data.get("link", ""),
        )
        return directive, True

    def _tasks(
        self,
        entries: list[dict[str, Any]],
        directive: Directive,
        agencies: dict[str, Agency],
        officials: dict[str, Official],
        monitor: Official,
    ) -> tuple[list[Task], list[str]]:
        existing = set(
            Task.objects.filter(code__in=[e["code"] for e in entries]).values_list("code", flat=True)
        )
        # The stand-ins of each lead agency: its focal point is the responsible official, its
        # leader the accountable one (the texts name no person).
        people = {(o.agency_id, o.role): o for o in officials.values() if o.agency_id}
        created, present = [], []
        # The Government Office entered the notice's tasks on the day it issued it.
        with stamped(directive.issued_on, note=""):
            for entry in entries:
                if entry["code"] in existing:
                    present.append(entry["code"])
                    continue
                created.append(self._task(entry, directive, agencies, people, monitor))
        if created:
            entered = moment(directive.issued_on)
            Task.objects.filter(pk__in=[t.pk for t in created]).update(created_at=entered)
            Task.objects.filter(pk__in=[t.pk for t in created], assigned_at__isnull=False).update(
                assigned_at=entered
            )
            # A standing task's first occurrence is the first due on or after the day it was
            # given: its occurrences were written from today's date when it was assigned above,
            # so, now that it is dated the day the directive was issued, they are written again
            # from then (nothing was reported on them yet).
            standing = [t for t in created if t.recurrence and t.status != TaskStatus.DRAFT]
            TaskOccurrence.objects.filter(task__in=standing).delete()
            for task in standing:
                services.occurrences_generate(task=task.pk)
        return created, present

    def _task(
        self,
        entry: dict[str, Any],
        directive: Directive,
        agencies: dict[str, Agency],
        people: dict[tuple[int, str], Official],
        monitor: Official,
    ) -> Task:
        lead = agencies[entry["lead"]]
        task = services.task_create(
            actor=monitor,
            directive=directive,
            code=entry["code"],
            title=entry["title"],
            description=entry["description"],
            field=entry["field"],
            lead_agency=lead,
            coordinating_agencies=[agencies[c] for c in entry["coordinating"]],
            responsible_official=people.get((lead.pk, "focal_point")),
            accountable_leader=people.get((lead.pk, "leader")),
            deadline=dt.date.fromisoformat(entry["deadline"]) if entry["deadline"] else None,
            deadline_phrase=entry["deadline_phrase"],
            recurrence=entry.get("recurrence", Recurrence.NONE),
            due_day=entry.get("due_day"),
            due_month=entry.get("due_month"),
            result_kind=entry["result_kind"],
            expected_result=entry["expected_result"],
            target_value=Decimal(entry["target_value"]) if entry["target_value"] else None,
            target_unit=entry["target_unit"],
            **{f"{name}_en": entry[f"{name}_en"] for name in TRANSLATED},
            # The demo holds no signed evidence: its confirmations are reconstructed from public
            # records (docs/demo-2025.md), not checked against a signed PDF.
            requires_signed_result=False,
        )
        if not task.missing_clears:
            task = services.task_assign(actor=monitor, task=task)
        return task

    # --- report -----------------------------------------------------------------------------

    def _summary(
        self,
        agencies: dict[str, Agency],
        agencies_new: int,
        officials: dict[str, Official],
        officials_new: int,
    ) -> None:
        out = self.stdout
        out.write(f"Agencies: {len(agencies)} ({agencies_new} new)")
        out.write(
            f"Demo logins: {len(officials)} ({officials_new} new), password '{DEMO_PASSWORD}' (demo only): "
            + ", ".join(sorted(officials))
        )

    def _directive_summary(
        self, directive: Directive, directive_new: bool, created: list[Task], present: list[str]
    ) -> None:
        out = self.stdout
        out.write(f"Directive {directive.number}: {'created' if directive_new else 'already present'}")
        tasks = Task.objects.filter(directive=directive)
        out.write(
            f"Tasks: {len(created)} created, {len(present)} already present; "
            f"{tasks.exclude(status=TaskStatus.DRAFT).count()} assigned or further, "
            f"{tasks.filter(status=TaskStatus.DRAFT).count()} drafts"
        )
        by_missing: dict[str, list[str]] = {}
        for task in tasks.filter(status=TaskStatus.DRAFT).order_by("code"):
            by_missing.setdefault(", ".join(task.missing_clears), []).append(task.code)
        if by_missing:
            out.write("Drafts, lacking what the text does not give:")
            for missing, codes in by_missing.items():
                out.write(f"  missing {missing} ({len(codes)}): {', '.join(codes)}")

    def _replay_summary(self, replay: ReplayResult) -> None:
        out = self.stdout
        if replay.agencies_new:
            out.write(f"Agencies of the 2025 reorganisation: {', '.join(replay.agencies_new)} new")
        out.write(
            f"2025 replayed: {len(replay.events_applied)} reorganisations applied, "
            f"{len(replay.steps_done)} task steps done, {replay.steps_present} already present"
        )
        for refused in replay.steps_refused:
            out.write(f"  left as it stands (the task was changed by hand): {refused}")
        out.write(self.style.SUCCESS("Demo data ready."))
