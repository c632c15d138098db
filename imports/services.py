"""Spreadsheet import: read, preview with every row's problems named, then import on confirm.

The template's columns (``COLUMNS``) are the task list export's (code, task, directive, lead
agency, responsible official, deadline) plus the clears that list leaves out, so a ministry can
fill in the template or upload the exported list itself. Headers are matched in Vietnamese or
English, with or without accents, wherever the header row is among the first rows.

A row becomes a task through ``tasks.services`` (``task_create``, then ``task_assign`` when all
five clears are there; a draft naming its missing clears otherwise). Importing the same file
again creates nothing: a row whose code, or whose title and lead agency, is already a task of
the directive is skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import re
import time
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from celery import current_app
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from agencies.models import Agency, Official
from common.errors import Forbidden
from imports.models import ImportStatus, TaskImport
from tasks import services as task_services
from tasks.choices import Clear, Recurrence, ResultKind, TaskField
from tasks.clears import missing_clears
from tasks.models import Directive, Task
from tasks.permissions import is_monitor

MAX_ROWS = 20_000
MAX_BYTES = 15 * 1024 * 1024
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # a lazy translation: the header in the reader's language


#: The template, in order. The first six are the task list export's own columns.
COLUMNS = (
    Column("code", gettext_lazy("Code")),
    Column("title", gettext_lazy("Task")),
    Column("directive", gettext_lazy("Directive")),
    Column("lead_agency", gettext_lazy("Lead agency")),
    Column("responsible_official", gettext_lazy("Responsible official")),
    Column("deadline", gettext_lazy("Deadline")),
    Column("description", gettext_lazy("Description")),
    Column("coordinating_agencies", gettext_lazy("Coordinating agencies")),
    Column("accountable_leader", gettext_lazy("Accountable leader")),
    Column("deadline_phrase", gettext_lazy("Deadline as written")),
    Column("recurrence", gettext_lazy("Recurrence")),
    Column("result_kind", gettext_lazy("Kind of result")),
    Column("expected_result", gettext_lazy("Expected result")),
    Column("target_value", gettext_lazy("Target value")),
    Column("target_unit", gettext_lazy("Target unit")),
    Column("field", gettext_lazy("Field")),
)


def fold(text: Any) -> str:
    """Lower case without accents (đ too), spaces squeezed: how headers and names are matched."""
    return _fold(str(text or ""))


@functools.lru_cache(maxsize=100_000)
def _fold(text: str) -> str:
    # a file repeats its agencies, people and choices: each is folded once
    text = unicodedata.normalize("NFD", str(text or "").replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return re.sub(r"\s+", " ", text).strip().casefold()


def _header_keys() -> dict[str, str]:
    keys = {}
    for language in ("vi", "en"):
        with translation.override(language):
            for column in COLUMNS:
                keys[fold(column.header)] = column.key
    return keys


# --- the template ---------------------------------------------------------------------------


def template_rows() -> list[list[str]]:
    """The header row in the reader's language, then one filled-in example from Notice 56."""
    headers = [str(c.header) for c in COLUMNS]
    example = [
        "56/TB-VPCP-EX1",
        "Hoàn thiện dự thảo Luật Bảo vệ dữ liệu cá nhân",
        "56/TB-VPCP",
        "MPS",
        "",
        "31/05/2025",
        "Trình Quốc hội tại Kỳ họp thứ 9 (tháng 5/2025)",
        "MOJ, MIC",
        "",
        "tại Kỳ họp thứ 9, tháng 5/2025",
        "",
        str(ResultKind.DELIVERABLE.label),
        "Dự thảo Luật trình Quốc hội",
        "",
        "",
        str(TaskField.LEGISLATION.label),
    ]
    return [headers, example]


def template_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Tasks")
    for row in template_rows():
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv() -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(template_rows())
    return buffer.getvalue().encode("utf-8-sig")


# --- reading a file -------------------------------------------------------------------------


def _read_table(name: str, content: bytes) -> list[list[Any]]:
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": [_("The file is larger than 15 MB.")]})
    if name.lower().endswith(".xlsx") or content[:2] == b"PK":
        # calamine (Rust) reads a sheet about ten times faster than openpyxl
        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
            return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception as exc:  # a broken file fails in many ways, all of them a refusal
            raise ValidationError({"file": [_("This is not a readable .xlsx file.")]}) from exc
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": [_("A .csv file must be saved as UTF-8.")]}) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _find_header(table: list[list[Any]]) -> tuple[int, dict[int, str]]:
    keys = _header_keys()
    for index, row in enumerate(table[:15]):
        found = {i: keys[fold(cell)] for i, cell in enumerate(row) if fold(cell) in keys}
        if "title" in found.values():
            return index, found
    raise ValidationError(
        {"file": [_("No header row with a “%(column)s” column was found.") % {"column": _("Task")}]}
    )


# --- values ---------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _decimal(value: Any) -> Decimal | None:
    text = _text(value).replace(" ", "")
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


@functools.cache
def _choice_keys(choices) -> dict[str, str]:
    """Each choice by its value and its label in either language, folded."""
    keys: dict[str, str] = {}
    for language in ("vi", "en"):
        with translation.override(language):
            for choice_value, label in choices.choices:
                keys.setdefault(fold(choice_value), choice_value)
                keys.setdefault(fold(label), choice_value)
    return keys


def _choice(choices, value: Any) -> str | None:
    """A choice by its value or its label in either language; None when it is none of them."""
    return _choice_keys(choices).get(fold(value))


@dataclass
class Lookups:
    """Everything a file's rows refer to, read in a few queries for the whole file (the task
    codes only for the codes the file names: the table may hold a million)."""

    agencies: dict[str, int]
    officials: dict[str, tuple[int, int | None]]
    names: dict[tuple[str, int | None], int | None]  # (full name, agency) -> official; None if two
    codes: dict[str, int]  # task code -> directive id
    titles: set[tuple[str, int]]  # (folded title, lead agency) of the directive's tasks

    @classmethod
    def load(cls, directive: Directive, codes: set[str]) -> Lookups:
        agencies: dict[str, int] = {}
        for pk, code, name_vi, name_en in Agency.objects.values_list("pk", "code", "name_vi", "name_en"):
            for key in (code, name_vi, name_en):
                if key:
                    agencies.setdefault(fold(key), pk)
        officials: dict[str, tuple[int, int | None]] = {}
        names: dict[tuple[str, int | None], int | None] = {}
        for pk, username, email, first, last, agency_id in Official.objects.filter(
            is_active=True
        ).values_list("pk", "username", "email", "first_name", "last_name", "agency_id"):
            officials[fold(username)] = (pk, agency_id)
            if email:
                officials.setdefault(fold(email), (pk, agency_id))
            for full in {f"{first} {last}", f"{last} {first}"}:
                if full.strip():
                    name_key = (fold(full), agency_id)
                    names[name_key] = None if name_key in names else pk
        tasks = Task.objects.filter(directive=directive).values_list("title", "lead_agency_id")
        return cls(
            agencies=agencies,
            officials=officials,
            names=names,
            codes=dict(Task.objects.filter(code__in=codes).values_list("code", "directive_id")),
            titles={(fold(title), lead) for title, lead in tasks},
        )

    def official(self, text: str, lead: int | None) -> tuple[int, int | None] | None:
        """By login or email anywhere, or by full name at the lead agency (the export's form)."""
        found = self.officials.get(fold(text))
        if found is None and lead is not None:
            by_name = self.names.get((fold(text), lead))  # None: nobody, or two of that name
            if by_name is not None:
                found = (by_name, lead)
        return found


# --- the preview ----------------------------------------------------------------------------


class Outcome:
    READY = "ready"  # becomes an assigned task
    DRAFT = "draft"  # becomes a draft naming its missing clears
    SKIPPED = "skipped"  # already a task of the directive
    REFUSED = "refused"  # a problem stops it


def _row_fields(values: dict[str, Any], look: Lookups, problems: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": _text(values.get("title")),
        "description": _text(values.get("description")),
    }
    lead_text = _text(values.get("lead_agency"))
    lead = look.agencies.get(fold(lead_text)) if lead_text else None
    if lead_text and lead is None:
        problems.append(_("Unknown agency “%(value)s”.") % {"value": lead_text})
    fields["lead_agency_id"] = lead
    coordinating = []
    for part in re.split(r"[,;\n]", _text(values.get("coordinating_agencies"))):
        if part.strip():
            agency = look.agencies.get(fold(part))
            if agency is None:
                problems.append(_("Unknown agency “%(value)s”.") % {"value": part.strip()})
            elif agency != lead:
                coordinating.append(agency)
    fields["coordinating_agency_ids"] = sorted(set(coordinating))
    for key in ("responsible_official", "accountable_leader"):
        text = _text(values.get(key))
        person = look.official(text, lead) if text else None
        if text and person is None:
            problems.append(_("Unknown official “%(value)s”.") % {"value": text})
        elif person and lead is not None and person[1] != lead:
            problems.append(_("“%(value)s” does not work at the lead agency.") % {"value": text})
            person = None
        fields[f"{key}_id"] = person[0] if person else None
    try:
        deadline = _date(values.get("deadline"))
    except ValueError as exc:
        problems.append(_("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": exc.args[0]})
        deadline = None
    fields["deadline"] = deadline.isoformat() if deadline else None
    fields["deadline_phrase"] = _text(values.get("deadline_phrase"))
    for key, choices, default in (
        ("recurrence", Recurrence, Recurrence.NONE),
        ("result_kind", ResultKind, ""),
        ("field", TaskField, TaskField.OTHER),
    ):
        text = _text(values.get(key))
        chosen = _choice(choices, text) if text else default
        if chosen is None:
            problems.append(
                _("“%(value)s” is not a known %(what)s.") % {"value": text, "what": str(COLUMN_NAMES[key])}
            )
            chosen = default
        fields[key] = chosen
    fields["expected_result"] = _text(values.get("expected_result"))
    fields["target_unit"] = _text(values.get("target_unit"))
    try:
        target = _decimal(values.get("target_value"))
    except ValueError as exc:
        problems.append(_("“%(value)s” is not a number.") % {"value": exc.args[0]})
        target = None
    fields["target_value"] = str(target) if target is not None else None
    if not fields["result_kind"] and fields["expected_result"]:
        fields["result_kind"] = ResultKind.INDICATOR if target is not None else ResultKind.DELIVERABLE
    return fields


COLUMN_NAMES = {c.key: c.header for c in COLUMNS}


@dataclass(frozen=True, slots=True)
class _RowClears:
    """A row's values as ``missing_clears`` reads them (tasks.clears.Clearable)."""

    title: str
    description: str
    responsible_official_id: int | None
    accountable_leader_id: int | None
    lead_agency_id: int | None
    deadline: dt.date | None
    recurrence: str
    result_kind: str
    expected_result: str
    target_value: str | None
    target_unit: str


def _missing(fields: dict[str, Any]) -> list[str]:
    """``missing_clears`` (the one definition) over the row's values; a plain object rather
    than a model instance, which cost a tenth of a 10,000-row preview."""
    task = _RowClears(
        title=fields["title"],
        description=fields["description"],
        responsible_official_id=fields["responsible_official_id"],
        accountable_leader_id=fields["accountable_leader_id"],
        lead_agency_id=fields["lead_agency_id"],
        deadline=fields["deadline"],
        recurrence=fields["recurrence"],
        result_kind=fields["result_kind"],
        expected_result=fields["expected_result"],
        target_value=fields["target_value"],
        target_unit=fields["target_unit"],
    )
    return missing_clears(task)


def require_monitor(actor: Official) -> None:
    if not is_monitor(actor):
        raise Forbidden(_("Only a Government Office monitor can import tasks."))


def import_preview(*, actor: Official, directive: Directive, file_name: str, content: bytes) -> TaskImport:
    """Read the file and keep what each row would become; nothing becomes a task yet."""
    require_monitor(actor)
    table = _read_table(file_name, content)
    header_index, positions = _find_header(table)
    data = table[header_index + 1 :]
    if len(data) > MAX_ROWS:
        raise ValidationError({"file": [_("At most %(count)d rows at a time.") % {"count": MAX_ROWS}]})
    code_column = next((i for i, key in positions.items() if key == "code"), None)
    file_codes = {
        _text(cells[code_column]) for cells in data if code_column is not None and code_column < len(cells)
    }
    look = Lookups.load(directive, file_codes - {""})
    seen_codes: dict[str, int] = {}
    seen_titles: set[tuple[str, int | None]] = set()
    rows, counts = [], dict.fromkeys((Outcome.READY, Outcome.DRAFT, Outcome.SKIPPED, Outcome.REFUSED), 0)
    for offset, cells in enumerate(data):
        values = {key: cells[i] if i < len(cells) else None for i, key in positions.items()}
        if not any(_text(v) for v in values.values()):
            continue
        number = header_index + offset + 2  # as the spreadsheet numbers its rows
        problems: list[str] = []
        fields = _row_fields(values, look, problems)
        code = _text(values.get("code"))
        directive_text = _text(values.get("directive"))
        if directive_text and fold(directive_text) != fold(directive.number):
            problems.append(
                _("The row belongs to %(other)s, not %(this)s.")
                % {"other": directive_text, "this": directive.number}
            )
        if not fields["title"]:
            problems.append(_("The task has no title."))
        outcome, note = None, ""
        title_key = (fold(fields["title"]), fields["lead_agency_id"])
        if code and code in seen_codes:
            problems.append(
                _("Duplicate code %(code)s (also row %(row)d).") % {"code": code, "row": seen_codes[code]}
            )
        elif code and code in look.codes:
            if look.codes[code] == directive.pk:
                outcome, note = Outcome.SKIPPED, _("Already a task of this directive.")
            else:
                problems.append(_("Code %(code)s is used by another directive's task.") % {"code": code})
        elif not code and (title_key in look.titles or title_key in seen_titles):
            outcome, note = Outcome.SKIPPED, _("A task with this title and lead agency is already there.")
        if code:
            seen_codes.setdefault(code, number)
        seen_titles.add(title_key)
        missing = _missing(fields) if fields["title"] else []
        if outcome is None:
            if problems:
                outcome = Outcome.REFUSED
            elif missing:
                outcome = Outcome.DRAFT
                note = _("Will be a draft: missing %(clears)s.") % {
                    "clears": ", ".join(str(Clear(c).label) for c in missing)
                }
            else:
                outcome = Outcome.READY
        counts[outcome] += 1
        rows.append(
            {
                "row": number,
                "code": code,
                "fields": fields,
                "missing": missing,
                "problems": problems,
                "outcome": outcome,
                "note": note,
            }
        )
    return TaskImport.objects.create(
        directive=directive,
        uploaded_by=actor,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(content).hexdigest(),
        rows=rows,
        counts=counts,
    )


# --- the import -----------------------------------------------------------------------------


#: Up to this many rows are imported while the user waits; more go to a worker.
INLINE_ROWS = 300
#: Seconds an import may take while the user waits. gunicorn kills a web worker at 30 s
#: (config/gunicorn.py) and at a million tasks 300 rows took 38 s, so the row count alone does
#: not bound the request: an inline import that runs past this is rolled back and handed to the
#: worker, and the user gets the same "being imported" page as for a large file.
INLINE_SECONDS = 10.0
CONFIRM_JOB = "imports.confirm"


class InlineTooSlow(Exception):
    """The inline import ran past ``INLINE_SECONDS``; what it did is rolled back."""


def import_request_confirm(*, actor: Official, task_import: TaskImport) -> TaskImport:
    """The user confirms what they saw: small files are imported at once if that fits in
    ``INLINE_SECONDS``, the others by a worker (after commit), so that no request runs for
    minutes."""
    require_monitor(actor)
    to_create = task_import.counts.get(Outcome.READY, 0) + task_import.counts.get(Outcome.DRAFT, 0)
    if to_create <= INLINE_ROWS:
        try:
            return import_confirm(actor=actor, task_import=task_import, seconds=INLINE_SECONDS)
        except InlineTooSlow:
            pass  # rolled back: the worker imports it from the start
    with transaction.atomic():
        updated = TaskImport.objects.filter(pk=task_import.pk, status=ImportStatus.PREVIEW).update(
            status=ImportStatus.IMPORTING
        )
        if updated:
            job = current_app.tasks[CONFIRM_JOB]
            transaction.on_commit(lambda: job.delay(str(task_import.pk), actor.pk))
    task_import.refresh_from_db()
    return task_import


def import_confirm(*, actor: Official, task_import: TaskImport, seconds: float | None = None) -> TaskImport:
    """Create the previewed rows' tasks, once: a second confirmation finds the import done.

    The rows are created together by ``tasks.services.tasks_create_many`` (the checks and
    history of ``task_create`` in a few queries; one by one, 300 rows took 46 s at national
    scale, about 85 queries a row) and the complete ones assigned together by
    ``tasks_assign_many`` (the same for ``task_assign``: 36 of the next 38 s). A row the services
    refuse now (someone created the same code since the preview) is reported and the others go
    in: the refused rows are taken out and the rest created again. With ``seconds``, raises
    ``InlineTooSlow`` (everything rolled back) once the import has run longer than that."""
    require_monitor(actor)
    deadline = None if seconds is None else time.monotonic() + seconds

    def in_time() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise InlineTooSlow

    with transaction.atomic():
        task_import = TaskImport.objects.select_for_update().get(pk=task_import.pk)
        if task_import.status == ImportStatus.IMPORTED:
            return task_import
        wanted = [r for r in task_import.rows if r["outcome"] in (Outcome.READY, Outcome.DRAFT)]
        agencies = Agency.objects.in_bulk(
            {r["fields"]["lead_agency_id"] for r in wanted}
            | {a for r in wanted for a in r["fields"]["coordinating_agency_ids"]}
        )
        officials = Official.objects.in_bulk(
            {r["fields"][k] for r in wanted for k in ("responsible_official_id", "accountable_leader_id")}
        )
        existing = set(
            Task.objects.filter(code__in={r["code"] for r in wanted if r["code"]}).values_list(
                "code", flat=True
            )
        )
        rows = [r for r in wanted if r["code"] not in existing]
        failed: list[dict] = []
        tasks = _create_many(actor, task_import.directive, rows, agencies, officials, failed)
        in_time()
        complete = {task.pk: row for row, task in tasks if not row["missing"]}
        assigned = task_services.tasks_assign_many(actor=actor, task_ids=complete)
        # a refused task stays a draft: the refusal is reported with its row
        failed.extend({"row": complete[task.pk]["row"], "problems": [why]} for task, why in assigned.refused)
        drafts = len(tasks) - len(assigned.done)
        in_time()
        task_import.status = ImportStatus.IMPORTED
        task_import.imported_at = timezone.now()
        task_import.result = {
            "created": len(tasks),
            "drafts": drafts,
            "skipped": len(wanted) - len(rows),
            "failed": sorted(failed, key=lambda f: f["row"]),
        }
        task_import.save(update_fields=["status", "imported_at", "result"])
    return task_import


def _new_task(row: dict, agencies: dict, officials: dict) -> task_services.NewTask:
    fields = dict(row["fields"])
    coordinating = [agencies[pk] for pk in fields.pop("coordinating_agency_ids")]
    fields["deadline"] = dt.date.fromisoformat(fields["deadline"]) if fields["deadline"] else None
    fields["target_value"] = Decimal(fields["target_value"]) if fields["target_value"] is not None else None
    fields["lead_agency"] = agencies.get(fields.pop("lead_agency_id"))
    for key in ("responsible_official", "accountable_leader"):
        fields[key] = officials.get(fields.pop(f"{key}_id"))
    return task_services.NewTask(fields=fields, coordinating_agencies=coordinating, code=row["code"] or None)


def _create_many(
    actor: Official,
    directive: Directive,
    rows: list[dict],
    agencies: dict,
    officials: dict,
    failed: list[dict],
) -> list[tuple[dict, Task]]:
    """Create the rows' tasks at once; the rows ``tasks_create_many`` refuses (it names each by
    its place: "task 3: deadline") are reported in ``failed`` and the others created again."""
    while rows:
        try:
            with transaction.atomic():
                new = [_new_task(row, agencies, officials) for row in rows]
                created = task_services.tasks_create_many(actor=actor, directive=directive, tasks=new)
        except ValidationError as exc:
            refused: dict[int, list[str]] = {}
            for key, messages in exc.message_dict.items():
                place, _sep, _name = key.partition(": ")
                number = place.removeprefix("task ")
                if not number.isdigit():
                    raise
                refused.setdefault(int(number) - 1, []).extend(messages)
            failed.extend({"row": rows[i]["row"], "problems": problems} for i, problems in refused.items())
            rows = [row for i, row in enumerate(rows) if i not in refused]
            continue
        return list(zip(rows, created, strict=True))
    return []
