"""Search that forgives missing accents, ranked, at both doors (the API's ``search`` and the
task list page). No fixture here needs PostgreSQL: the same tests pass on the SQLite of
``make run`` (``DATABASE_URL=sqlite:///... pytest tests/api/test_search.py``)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client

from tasks import services
from tasks.search import fold, fold_query
from tests.api.conftest import client_for, make_task
from tests.factories import DirectiveFactory, complete_task_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def found(world):
    """Tasks whose titles, codes, directives and agencies tell the searches apart."""
    world.mps.name_vi = "Bộ Công an"
    world.mps.name_en = "Ministry of Public Security"
    world.mps.save()
    world.mic.name_vi = "Bộ Thông tin và Truyền thông"
    world.mic.save()
    other = DirectiveFactory(number="73/TB-VPCP", issued_on=dt.date(2025, 3, 1), issuing_agency=world.go)
    mic = {
        "coordinating": [],
        "lead_agency": world.mic,
        "responsible_official": world.mic_focal,
        "accountable_leader": world.mic_leader,
    }
    tasks = {
        "long": make_task(world, title="Hoàn thiện dự thảo Luật Bảo vệ dữ liệu cá nhân", **mic),
        "short": make_task(world, title="Bảo vệ dữ liệu cá nhân", **mic),
        "longest": make_task(
            world, title="Tổng kết việc bảo vệ dữ liệu cá nhân trong các cơ quan nhà nước năm 2025", **mic
        ),
        "city": make_task(world, title="Xây dựng Đề án đô thị thông minh", **mic),
        "police": make_task(world, title="Triển khai Đề án 06 về dân cư"),  # led by MPS (Bộ Công an)
    }
    mic.pop("coordinating")
    fields = complete_task_fields(world, title="Công bố danh mục thủ tục", **mic)
    tasks["other"] = services.task_create(actor=world.monitor, directive=other, **fields)
    return tasks


def _api(world, text: str, extra: str = "") -> list[int]:
    response = client_for(world.monitor).get(f"/api/v1/tasks/?search={quote(text)}&page_size=200{extra}")
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _web(world, text: str) -> list[str]:
    client = Client()
    client.force_login(world.monitor)
    response = client.get(f"/tasks/?search={quote(text)}")
    assert response.status_code == 200
    return re.findall(r'<tr data-task="([^"]+)"', response.content.decode())


def _ids(found, *names) -> list[int]:
    return [found[name].pk for name in names]


def test_fold_strips_every_vietnamese_mark_and_d_bar():
    assert fold("Bảo vệ DỮ LIỆU cá nhân") == "bao ve du lieu ca nhan"
    assert (
        fold("Đề án đô thị; Đắk Lắk; Hưng Yên; Thừa Thiên Huế")
        == "de an do thi; dak lak; hung yen; thua thien hue"
    )
    assert fold_query("  bao   ve  ") == "bao ve"


@pytest.mark.parametrize(
    "text",
    ["bao ve du lieu ca nhan", "bảo vệ dữ liệu cá nhân", "BAO VE DU LIEU CA NHAN", "Bảo Vệ Dữ Liệu  cá nhân"],
)
def test_with_or_without_accents_in_any_case_best_first(world, found, text):
    # the title that is the words themselves, then the shorter title holding them, then the longer
    assert _api(world, text) == _ids(found, "short", "long", "longest")
    assert _web(world, text) == [found[n].code for n in ("short", "long", "longest")]


@pytest.mark.parametrize("text", ["de an do thi", "ĐỀ ÁN ĐÔ THỊ", "Đề án đô thị"])
def test_d_bar_is_a_d(world, found, text):
    assert _api(world, text) == _ids(found, "city")


def test_a_code_comes_first(world, found):
    code = found["longest"].code
    assert _api(world, code.lower())[0] == found["longest"].pk
    assert _web(world, code)[0] == code


def test_a_directive_number_finds_its_tasks(world, found):
    assert _api(world, "73/tb-vpcp") == _ids(found, "other")


@pytest.mark.parametrize("text", ["bo cong an", "Bộ Công an", "public security"])
def test_an_agency_name_finds_the_tasks_it_leads(world, found, text):
    assert _api(world, text) == _ids(found, "police")


def test_no_match_is_an_empty_list(world, found):
    assert _api(world, "khong co gi nhu the") == []
    assert _web(world, "khong co gi nhu the") == []
    assert _api(world, "50%_") == []  # LIKE's wildcards are searched as characters


def test_ranked_pages_by_keyset_cover_every_match_once_in_order(world, found):
    """A page of one row at a time, following ``next``, gives the whole ranked list."""
    client = client_for(world.monitor)
    whole = _api(world, "bao ve")
    assert len(whole) == 3
    path, walked = f"/api/v1/tasks/?search={quote('bao ve')}&page_size=1", []
    while path:
        body = client.get(path).json()
        walked += [row["id"] for row in body["results"]]
        path = body["next"] and f"{urlsplit(body['next']).path}?{urlsplit(body['next']).query}"
    assert walked == whole


def test_search_with_another_order_and_filters(world, found):
    assert _api(world, "bao ve", "&ordering=id") == sorted(_ids(found, "short", "long", "longest"))
    assert _api(world, "bao ve", "&lead_agency=MPS") == []
    response = client_for(world.monitor).get("/api/v1/tasks/?ordering=relevance")
    assert response.status_code == 400
    assert "ordering" in response.json()
