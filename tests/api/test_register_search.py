"""The agency and official lists' ``search`` forgives missing accents and ranks, as the task
search does: the filters' pickers type "cong an" for Bộ Công an. No fixture needs PostgreSQL:
the same tests pass on the SQLite of ``make run``."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from agencies.choices import AgencyKind, Role
from tests.api.conftest import client_for
from tests.factories import AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(world):
    world.mps.name_vi = "Bộ Công an"
    world.mps.save()
    AgencyFactory(code="HN", kind=AgencyKind.PROVINCE, name_vi="UBND thành phố Hà Nội", name_en="Hanoi")
    # the prefix match of "cong" must come before these, which only hold it inside
    AgencyFactory(code="MOIT", name_vi="Bộ Công Thương", name_en="Ministry of Industry and Trade")
    AgencyFactory(code="CONG", name_vi="Cổng dịch vụ công", name_en="Public service portal")
    OfficialFactory(username="ha.nguyen", agency=world.mps, first_name="Hà", last_name="Nguyễn Thị")
    OfficialFactory(username="hai.tran", agency=world.mps, first_name="Hải", last_name="Trần Văn")
    OfficialFactory(username="ha", agency=world.mic, role=Role.FOCAL_POINT, first_name="Ha", last_name="Lê")
    return world


def _codes(world, path: str, text: str, key: str, extra: str = "") -> list[str]:
    response = client_for(world.monitor).get(f"/api/v1/{path}/?search={quote(text)}&page_size=200{extra}")
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


def test_agencies_are_found_without_accents(named):
    assert "MPS" in _codes(named, "agencies", "cong an", "code")
    assert _codes(named, "agencies", "ha noi", "code") == ["HN"]
    assert _codes(named, "agencies", "cong an", "code") == ["MPS"]


def test_agencies_are_still_found_with_accents_and_by_code(named):
    assert _codes(named, "agencies", "Bộ Công an", "code") == ["MPS"]
    assert _codes(named, "agencies", "Hà Nội", "code") == ["HN"]
    assert _codes(named, "agencies", "mps", "code") == ["MPS"]


def test_agencies_rank_the_code_then_the_name_start_first(named):
    # CONG is the code itself; MOIT's and MPS's names hold "cong" after "Bo"
    found = _codes(named, "agencies", "cong", "code")
    assert found[0] == "CONG"
    assert set(found) == {"CONG", "MOIT", "MPS"}
    # "bo cong" starts MOIT's and MPS's names; CONG's name holds "cong" but not "bo cong"
    assert _codes(named, "agencies", "bo cong", "code") == ["MOIT", "MPS"]


def test_an_explicit_order_is_kept_when_searching(named):
    assert _codes(named, "agencies", "cong", "code", "&ordering=-code") == ["MPS", "MOIT", "CONG"]


def test_relevance_needs_words(named):
    response = client_for(named.monitor).get("/api/v1/agencies/?ordering=relevance")
    assert response.status_code == 400
    assert "ordering" in response.json()


def test_officials_are_found_by_their_full_name_without_accents(named):
    assert _codes(named, "officials", "nguyen thi ha", "username") == ["ha.nguyen"]
    assert _codes(named, "officials", "Nguyễn Thị Hà", "username") == ["ha.nguyen"]
    assert _codes(named, "officials", "ha nguyen", "username") == ["ha.nguyen"]
    assert _codes(named, "officials", "tran van hai", "username") == ["hai.tran"]


def test_officials_rank_the_exact_username_first(named):
    found = _codes(named, "officials", "ha", "username")
    assert found[0] == "ha"
    assert {"ha", "ha.nguyen", "hai.tran"} <= set(found)


def test_relevance_pages_carry_on_where_they_stopped(named):
    client = client_for(named.monitor)
    response = client.get("/api/v1/agencies/?search=cong&page_size=1")
    seen = [row["code"] for row in response.json()["results"]]
    while response.json()["next"]:
        response = client.get(response.json()["next"])
        assert response.status_code == 200, response.content
        seen += [row["code"] for row in response.json()["results"]]
    assert seen == _codes(named, "agencies", "cong", "code")
