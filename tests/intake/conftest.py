"""The intake's tests run on the real agency register (fixtures/agencies.json) and the default
rules the data migration loaded, with the aliases loaded the way a deployment loads them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from agencies.choices import Role
from agencies.models import Agency
from tasks.intake.selectors import intake_rules
from tasks.intake.services import intake_defaults_load
from tests.factories import DirectiveFactory, OfficialFactory

REGISTER = Path(settings.BASE_DIR) / "fixtures" / "agencies.json"


def load_register() -> dict[str, Agency]:
    rows = json.loads(REGISTER.read_text(encoding="utf-8"))["agencies"]
    agencies: dict[str, Agency] = {}
    for row in rows:
        agencies[row["code"]], _ = Agency.objects.update_or_create(
            code=row["code"],
            defaults={k: row[k] for k in ("name_vi", "name_en", "kind", "email")},
        )
    for row in rows:
        if row.get("parent"):
            Agency.objects.filter(code=row["code"]).update(parent=agencies[row["parent"]])
    return agencies


@pytest.fixture
def register(db) -> dict[str, Agency]:
    agencies = load_register()
    intake_defaults_load()
    return agencies


@pytest.fixture
def rules(register):
    return intake_rules()


@pytest.fixture
def people(register) -> SimpleNamespace:
    go = register["GO"]
    monitor = OfficialFactory(username="i.monitor", agency=go, role=Role.MONITOR)
    focal = OfficialFactory(username="i.mps.focal", agency=register["MPS"], role=Role.FOCAL_POINT)
    directive = DirectiveFactory(number="56/TB-VPCP", issued_on=dt.date(2025, 2, 23), issuing_agency=go)
    return SimpleNamespace(monitor=monitor, focal=focal, directive=directive, go=go)


CORPUS_AGENCIES = Path(settings.BASE_DIR) / "fixtures" / "intake_corpus" / "agencies_2025.json"


@pytest.fixture
def corpus_register(register) -> dict[str, Agency]:
    """The register plus the ministries formed on 1 March 2025, which the corpus names."""
    for row in json.loads(CORPUS_AGENCIES.read_text(encoding="utf-8"))["agencies"]:
        register[row["code"]], _ = Agency.objects.update_or_create(
            code=row["code"], defaults={k: row[k] for k in ("name_vi", "name_en", "kind", "email")}
        )
    intake_defaults_load()
    return register
