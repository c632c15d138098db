"""How the parser reads agencies, groups, clauses and results (default rules from the database)."""

from __future__ import annotations

import datetime as dt

from agencies.models import Agency
from tasks.intake.models import AgencyGroup
from tasks.intake.parser import normalize, parse
from tasks.intake.selectors import intake_rules

REF = dt.date(2025, 2, 23)


def codes_of_kinds(*kinds: str) -> set[str]:
    return set(Agency.objects.filter(kind__in=kinds, is_active=True).values_list("code", flat=True))


def test_ministries_branches_and_localities_expand_to_their_members(rules):
    drafts = parse(
        "By June 30, 2025, all officials of ministries, branches and localities must use digital signatures.",
        rules,
        reference_date=REF,
    )
    expected = codes_of_kinds("ministry", "ministerial_agency", "government_agency", "province", "city")
    assert len(drafts) == 1
    assert drafts[0].lead_agency is None
    assert set(drafts[0].lead_agencies) == expected
    assert {"MPS", "MIC", "HANOI", "THAIBINH", "SBV"} <= expected
    assert "GO" not in expected and "NCDT" not in expected


def test_chairpersons_of_provincial_peoples_committees_are_the_63_localities(rules):
    en = parse(
        "Chairpersons of provincial People's Committees shall direct the digitisation of land data.", rules
    )
    vi = parse(
        "Chủ tịch Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương chỉ đạo số hóa dữ liệu đất đai.",
        rules,
    )
    provinces = codes_of_kinds("province", "city")
    assert len(provinces) == 63
    assert set(en[0].lead_agencies) == provinces
    assert set(vi[0].lead_agencies) == provinces


def test_bo_nganh_dia_phuong_and_an_explicit_member_added_in_the_admin(register):
    group = AgencyGroup.objects.get(phrase="các bộ, ngành, địa phương", language="vi")
    group.members.add(register["NCDT"])
    drafts = parse(
        "Các bộ, ngành, địa phương phải hoàn thành số hóa hồ sơ trước ngày 30/6/2025.",
        intake_rules(),
        reference_date=REF,
    )
    assert "NCDT" in drafts[0].lead_agencies
    assert "HANOI" in drafts[0].lead_agencies
    # an agency taken out of the register is no longer a member
    Agency.objects.filter(code="HANOI").update(is_active=False)
    drafts = parse(
        "Các bộ, ngành, địa phương phải hoàn thành số hóa hồ sơ trước ngày 30/6/2025.",
        intake_rules(),
        reference_date=REF,
    )
    assert "HANOI" not in drafts[0].lead_agencies


def test_ministry_coordinates_with_listed_agencies_and_relevant_agencies_name_nobody(rules):
    text = (
        "The Ministry of Public Security and the Ministry of Information and Communications shall coordinate "
        "with the Government Office and the Ministry of Home Affairs to compile rewards at the session in "
        "March 2025. The Ministry of Information and Communications shall coordinate with relevant agencies "
        "to urgently complete the Digital Technology Industry Law for submission to the National Assembly at "
        "the 9th Session in May 2025."
    )
    first, second = parse(text, rules, reference_date=REF)
    assert first.lead_agency == "MPS"
    assert first.coordinating_agencies == ["MIC", "GO", "MOHA"]
    assert second.lead_agency == "MIC"
    assert second.coordinating_agencies == []
    assert second.action.startswith("Complete the Digital Technology Industry Law")
    assert second.expected_result == "the Digital Technology Industry Law"


def test_vietnamese_chu_tri_phoi_hop_with_old_style_tone_marks(rules):
    # "Uỷ ban", "hoà" written with the old tone placement still match the register
    text = (
        "Bộ Công an chủ trì, phối hợp với Bộ Tư pháp, Uỷ ban nhân dân thành phố Hà Nội hoàn thiện "
        "Luật Bảo vệ dữ liệu cá nhân, trình Quốc hội tại Kỳ họp thứ 9 vào tháng 5/2025."
    )
    (draft,) = parse(text, rules, reference_date=REF)
    assert draft.lead_agency == "MPS"
    assert draft.coordinating_agencies == ["MOJ", "HANOI"]
    assert draft.expected_result == "Luật Bảo vệ dữ liệu cá nhân"
    assert normalize("Uỷ ban, hoà, quý") == "Ủy ban, hòa, quý"


def test_one_task_per_semicolon_clause_with_its_own_action_and_the_lead_carries_over(rules):
    text = (
        "Chairpersons of provincial People's Committees shall direct decentralisation in resolving "
        "administrative procedures; coordinate with the Ministry of "
        "Justice and the Ministry of Public Security "
        "to digitize civil status data, to be completed before March "
        "31, 2025; coordinate with the Ministry of "
        "Natural Resources and Environment to digitize land data in the "
        "area, to be completed before June 30, 2025."
    )
    drafts = parse(text, rules, reference_date=REF)
    assert len(drafts) == 3
    provinces = codes_of_kinds("province", "city")
    assert all(set(d.lead_agencies) == provinces for d in drafts)
    assert [d.coordinating_agencies for d in drafts] == [[], ["MOJ", "MPS"], ["MONRE"]]
    assert [d.deadline for d in drafts] == [None, dt.date(2025, 3, 31), dt.date(2025, 6, 30)]
    assert [d.expected_result for d in drafts] == ["", "civil status data", "land data"]


def test_a_list_of_addressees_across_a_semicolon_is_not_split(rules):
    text = (
        "The Prime Minister requires Ministers, Heads of ministerial-level agencies, government agencies; "
        "Chairpersons of People's Committees of provinces and "
        "centrally-run cities to intensify propaganda on "
        "digital transformation."
    )
    (draft,) = parse(text, rules, reference_date=REF)
    assert draft.action == "Intensify propaganda on digital transformation"
    assert set(draft.lead_agencies) == codes_of_kinds(
        "ministry", "ministerial_agency", "government_agency", "province", "city"
    )


def test_percentage_targets_become_one_indicator_each_with_the_shared_deadline(rules):
    text = (
        "Strive that by the end of 2025, 100% of eligible administrative procedures will be provided online, "
        "80% of dossiers will be processed online, and 40% of the adult "
        "population will use online public services."
    )
    drafts = parse(text, rules, reference_date=REF)
    assert [d.target_value for d in drafts] == [100, 80, 40]
    assert {d.target_unit for d in drafts} == {"%"}
    assert {d.result_kind for d in drafts} == {"indicator"}
    assert {d.deadline for d in drafts} == {dt.date(2025, 12, 31)}


def test_headings_and_descriptions_assign_nothing(rules):
    text = (
        "Launch a nationwide emulation movement on digital transformation\n"
        "In 2024, national digital transformation achieved several "
        "positive results; complete data was shared.\n"
        "a) First is acceleration and breakthrough in digital transformation.\n"
        "The rate of online records nationwide will reach 45%.\n"
    )
    assert parse(text, rules, reference_date=REF) == []
