"""Each deadline phrase the issue names, normalised through the default patterns (data in the
database, loaded by the migration), inside a real clause."""

from __future__ import annotations

import datetime as dt

import pytest

from tasks.intake.parser import parse

EN = "The Ministry of Justice shall complete the draft Decree on electronic copies {phrase}."
VI = "Bộ Tư pháp hoàn thiện dự thảo Nghị định về bản sao điện tử, trình Chính phủ {phrase}."
JAN_2025 = dt.date(2025, 1, 1)
JUN_2024 = dt.date(2024, 6, 1)


@pytest.mark.parametrize(
    ("template", "phrase", "reference", "expected"),
    [
        (EN, "before March 31, 2025", JAN_2025, dt.date(2025, 3, 31)),
        (EN, "by the end of June 2025", JAN_2025, dt.date(2025, 6, 30)),
        (EN, "by June 30, 2025", JAN_2025, dt.date(2025, 6, 30)),
        (EN, "in July 2024", JUN_2024, dt.date(2024, 7, 31)),
        (EN, "at the 9th Session in May 2025", JAN_2025, dt.date(2025, 5, 31)),
        (EN, "in February 2025", JAN_2025, dt.date(2025, 2, 28)),
        (EN, "by the end of 2025", JAN_2025, dt.date(2025, 12, 31)),
        (EN, "by the end of the second quarter of 2025", JAN_2025, dt.date(2025, 6, 30)),
        (EN, "by June 30", JAN_2025, dt.date(2025, 6, 30)),
        (EN, "within this month", JUN_2024, dt.date(2024, 6, 30)),  # the directive's own month
        (VI, "trong tháng này", JUN_2024, dt.date(2024, 6, 30)),
        (VI, "trước ngày 31/3/2025", JAN_2025, dt.date(2025, 3, 31)),
        (VI, "trong tháng 7/2024", JUN_2024, dt.date(2024, 7, 31)),
        (VI, "trong quý II/2025", JAN_2025, dt.date(2025, 6, 30)),
        (VI, "cuối năm 2025", JAN_2025, dt.date(2025, 12, 31)),
        (VI, "tại Kỳ họp thứ 9 vào tháng 5/2025", JAN_2025, dt.date(2025, 5, 31)),
        (VI, "đến hết tháng 6/2025", JAN_2025, dt.date(2025, 6, 30)),
        (VI, "trong tháng 02/2025", JAN_2025, dt.date(2025, 2, 28)),
        # no year: the directive's year
        (EN, "in the first quarter", JAN_2025, dt.date(2025, 3, 31)),
        (EN, "by the end of the second quarter", JAN_2025, dt.date(2025, 6, 30)),
        (EN, "in Q3", JAN_2025, dt.date(2025, 9, 30)),
        (EN, "by the end of this year", JAN_2025, dt.date(2025, 12, 31)),
        (VI, "trong quý II", JAN_2025, dt.date(2025, 6, 30)),
        (VI, "trước hết quý III", JAN_2025, dt.date(2025, 9, 30)),
        (VI, "trong tháng 5", JAN_2025, dt.date(2025, 5, 31)),
        (VI, "trong năm nay", JAN_2025, dt.date(2025, 12, 31)),
        (VI, "trước ngày 15/10", JAN_2025, dt.date(2025, 10, 15)),
        # a list of months: the last one, with the year written after it
        (VI, "trong tháng 11, tháng 12 năm 2025", JAN_2025, dt.date(2025, 12, 31)),
    ],
)
def test_deadline_phrase_becomes_its_date(rules, template, phrase, reference, expected):
    # given a clause assigning one task with that deadline wording
    drafts = parse(template.format(phrase=phrase), rules, reference_date=reference)
    # then one task, led by the Ministry of Justice, due on the last day the wording allows
    assert len(drafts) == 1
    assert drafts[0].lead_agency == "MOJ"
    assert drafts[0].deadline == expected
    assert drafts[0].deadline_phrase.lower().endswith(phrase.split()[-1].lower())


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        (
            "The Ministry of Justice shall urgently complete the draft Decree on electronic copies.",
            "urgently",
        ),
        ("The Ministry of Justice shall promptly submit the draft Decree to the Government.", "promptly"),
        ("Bộ Tư pháp khẩn trương hoàn thiện dự thảo Nghị định về bản sao điện tử.", "khẩn trương"),
    ],
)
def test_relative_wording_gives_no_deadline(rules, text, phrase):
    drafts = parse(text, rules, reference_date=JAN_2025)
    assert len(drafts) == 1
    assert drafts[0].deadline is None
    assert drafts[0].deadline_phrase.lower() == phrase


@pytest.mark.parametrize(
    ("text", "recurrence"),
    [
        ("The Ministry of Home Affairs shall hold monthly meetings on the emulation movement.", "monthly"),
        ("Bộ Nội vụ tổ chức họp giao ban hằng tháng về phong trào thi đua.", "monthly"),
        ("The Ministry of Finance shall report quarterly to the Prime Minister.", "quarterly"),
        ("Bộ Tài chính báo cáo Thủ tướng Chính phủ hằng quý.", "quarterly"),
    ],
)
def test_recurring_duty_is_a_standing_task(rules, text, recurrence):
    drafts = parse(text, rules, reference_date=JAN_2025)
    assert len(drafts) == 1
    assert drafts[0].recurrence == recurrence
    assert drafts[0].deadline is None


def test_a_date_before_the_directive_is_history_not_a_deadline(rules):
    # "in 2024" is when the achievements were made; the deadline is the March 2025 session
    text = (
        "The Ministry of Public Security shall compile and propose rewards for achievements in 2024 "
        "at the session in March 2025."
    )
    drafts = parse(text, rules, reference_date=dt.date(2025, 2, 23))
    assert drafts[0].deadline == dt.date(2025, 3, 31)
    assert drafts[0].deadline_phrase == "at the session in March 2025"


def test_the_year_of_a_cited_documents_number_is_no_deadline(rules):
    drafts = parse(
        "The Ministry of Finance shall enhance decentralisation as directed at Notice 48/TB-VPCP in 2024.",
        rules,
        reference_date=JUN_2024,
    )
    assert len(drafts) == 1
    assert drafts[0].deadline is None
