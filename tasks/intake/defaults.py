"""Load the default rules and gazetteer from fixtures/intake/ into their tables, idempotently.

Used by the data migration (with the historical models of the migration state) and by
``manage.py intake_load_defaults`` (with the live models), so the defaults have one source:
the two JSON files. Rows are matched by their natural key (a pattern's name, a phrase, an
alias), so a second load creates nothing; an existing row keeps the admin's edits
(``update_existing=False``) unless a reset is asked for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures" / "intake"
RULES_FILE = FIXTURE_DIR / "rules.json"
GAZETTEER_FILE = FIXTURE_DIR / "gazetteer.json"


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _upsert(model: Any, keys: dict[str, Any], values: dict[str, Any], update_existing: bool) -> bool:
    """Create the row if missing; return True when it was created."""
    obj = model.objects.filter(**keys).first()
    if obj is None:
        model.objects.create(**keys, **values)
        return True
    if update_existing:
        for name, value in values.items():
            setattr(obj, name, value)
        obj.save()
    return False


def load_defaults(
    get_model: Any,
    *,
    rules_path: Path = RULES_FILE,
    gazetteer_path: Path = GAZETTEER_FILE,
    update_existing: bool = False,
    app_label: str = "intake",
) -> dict[str, int]:
    """Load rules and aliases; ``get_model(app_label, name)`` is ``apps.get_model``.

    ``app_label`` is where the rule models are: ``intake`` now, ``tasks`` for the historical
    migration ``tasks/0003`` that shipped the defaults before intake became an app.

    Returns how many rows of each kind were created (and how many aliases were skipped
    because their agency is not in the register yet)."""
    agency_model = get_model("agencies", "Agency")
    created = {
        "deadline_patterns": 0,
        "recurrence_patterns": 0,
        "result_patterns": 0,
        "clause_cues": 0,
        "agency_groups": 0,
        "aliases": 0,
        "aliases_skipped": 0,
    }
    rules = _read(rules_path)
    model = get_model(app_label, "DeadlinePattern")
    for row in rules["deadline_patterns"]:
        keys = {"name": row["name"], "language": row["language"]}
        values = {
            k: row.get(k, d)
            for k, d in (
                ("regex", ""),
                ("resolution", ""),
                ("offset_days", 0),
                ("priority", 100),
                ("example", ""),
            )
        }
        created["deadline_patterns"] += _upsert(model, keys, values, update_existing)
    model = get_model(app_label, "RecurrencePattern")
    for row in rules["recurrence_patterns"]:
        keys = {"regex": row["regex"], "language": row["language"]}
        values = {"recurrence": row["recurrence"], "example": row.get("example", "")}
        created["recurrence_patterns"] += _upsert(model, keys, values, update_existing)
    model = get_model(app_label, "ResultPattern")
    for row in rules["result_patterns"]:
        keys = {"name": row["name"], "language": row["language"]}
        values = {
            k: row.get(k, d)
            for k, d in (
                ("regex", ""),
                ("case_sensitive", False),
                ("result_kind", ""),
                ("unit", ""),
                ("priority", 100),
                ("example", ""),
            )
        }
        created["result_patterns"] += _upsert(model, keys, values, update_existing)
    model = get_model(app_label, "ClauseCue")
    for row in rules["clause_cues"]:
        keys = {"kind": row["kind"], "language": row["language"], "phrase": row["phrase"]}
        created["clause_cues"] += _upsert(model, keys, {}, update_existing)
    model = get_model(app_label, "AgencyGroup")
    for row in rules["agency_groups"]:
        keys = {"phrase": row["phrase"], "language": row["language"]}
        created["agency_groups"] += _upsert(model, keys, {"kinds": row.get("kinds", [])}, update_existing)
        if row.get("members"):
            group = model.objects.get(**keys)
            group.members.add(*agency_model.objects.filter(code__in=row["members"]))

    gazetteer = _read(gazetteer_path)
    model = get_model(app_label, "AgencyAlias")
    agencies = {a.code: a for a in agency_model.objects.all()}
    for row in gazetteer["aliases"]:
        agency = agencies.get(row["agency"])
        if agency is None:
            created["aliases_skipped"] += 1
            continue
        keys = {"agency": agency, "alias": row["alias"]}
        created["aliases"] += _upsert(model, keys, {"language": row["language"]}, update_existing)
    return created


def load_defaults_retiring(get_model: Any, retired: tuple[str, ...]) -> None:
    """What a data migration of new default rules does: load the defaults, then deactivate the
    exclusions the new ones replace (kept, so an admin can see what was retired and why)."""
    load_defaults(get_model, app_label="intake")
    get_model("intake", "ClauseCue").objects.filter(kind="exclude", phrase__in=retired).update(
        is_active=False
    )
