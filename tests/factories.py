"""factory_boy factories and a small world of agencies and officials for tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import factory

from agencies.choices import AgencyKind, Role
from agencies.models import Agency, Official
from tasks.choices import DirectiveKind, ResultKind
from tasks.models import Directive


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"AG{n}")
    name_vi = factory.LazyAttribute(lambda o: f"Cơ quan {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Agency {o.code}")
    kind = AgencyKind.MINISTRY
    email = factory.LazyAttribute(lambda o: f"office@{o.code.lower()}.gov.vn")


#: Every made official's password (the tests sign in with it).
PASSWORD = "pw-for-tests"


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"official{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.gov.vn")
    agency = factory.SubFactory(AgencyFactory)
    role = Role.FOCAL_POINT
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DirectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Directive
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: f"{n}/TB-VPCP")
    kind = DirectiveKind.NOTICE
    title = "Conclusion of the meeting on digital transformation"
    issued_on = dt.date(2025, 2, 23)
    issuing_agency = factory.LazyFunction(lambda: AgencyFactory(code="GO", kind=AgencyKind.GOVERNMENT_OFFICE))


def build_world() -> SimpleNamespace:
    go = AgencyFactory(code="GO", kind=AgencyKind.GOVERNMENT_OFFICE, name_en="Government Office")
    mps = AgencyFactory(code="MPS", name_en="Ministry of Public Security")
    mic = AgencyFactory(code="MIC", name_en="Ministry of Information and Communications")
    moj = AgencyFactory(code="MOJ", name_en="Ministry of Justice")
    monitor = OfficialFactory(username="t.monitor", agency=go, role=Role.MONITOR)
    monitor2 = OfficialFactory(username="t.monitor2", agency=go, role=Role.MONITOR)
    mps_leader = OfficialFactory(username="t.mps.leader", agency=mps, role=Role.LEADER)
    mps_focal = OfficialFactory(
        username="t.mps.focal", agency=mps, role=Role.FOCAL_POINT, supervisor=mps_leader
    )
    mic_leader = OfficialFactory(username="t.mic.leader", agency=mic, role=Role.LEADER)
    mic_focal = OfficialFactory(
        username="t.mic.focal", agency=mic, role=Role.FOCAL_POINT, supervisor=mic_leader
    )
    moj_focal = OfficialFactory(username="t.moj.focal", agency=moj, role=Role.FOCAL_POINT)
    directive = DirectiveFactory(number="56/TB-VPCP", issued_on=dt.date(2025, 2, 23), issuing_agency=go)
    return SimpleNamespace(**locals())


def complete_task_fields(world: SimpleNamespace, **overrides) -> dict:
    """All five clears of the Personal Data Protection Law task of Notice 56/TB-VPCP."""
    fields = {
        "title": "Complete the draft Personal Data Protection Law",
        "description": "Submit it to the National Assembly at the 9th Session in May 2025.",
        "lead_agency": world.mps,
        "responsible_official": world.mps_focal,
        "accountable_leader": world.mps_leader,
        "deadline": dt.date(2025, 5, 31),
        "deadline_phrase": "at the 9th Session in May 2025",
        "result_kind": ResultKind.DELIVERABLE,
        "expected_result": "Draft Law submitted to the National Assembly",
        # A deliverable requires a signed result by default; the flows that use these fields
        # test other rules, and the signed-result rule has its own tests (test_signed_results).
        "requires_signed_result": False,
    }
    fields.update(overrides)
    return fields
