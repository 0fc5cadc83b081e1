from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from libs.common.fiscal_year import (
    TOKYO,
    FiscalYearError,
    JapaneseDateError,
    fiscal_year_end,
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_short_label,
    fiscal_year_start,
    format_japanese_date,
    last_supported_fiscal_year,
    now_tokyo,
    parse_fiscal_year,
    parse_japanese_date,
    support_term_end,
    support_term_start,
    today_tokyo,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2021, 2021),
        ("2021", 2021),
        ("２０２１", 2021),
        ("2021年度", 2021),
        ("２０２１年度", 2021),
        ("FY2021", 2021),
        ("fy2021", 2021),
        ("FY 2021", 2021),
        (" 2021 ", 2021),
        ("R3", 2021),
        ("r3", 2021),
        ("Ｒ３", 2021),
        ("R03", 2021),
        ("R3年度", 2021),
        ("令和3年度", 2021),
        ("令和３年度", 2021),
        ("令和3年", 2021),
        ("令和 3 年度", 2021),
        ("R元", 2019),
        ("R1", 2019),
        ("令和元年度", 2019),
        ("令和元年", 2019),
        ("H30", 2018),
        ("h30", 2018),
        ("平成30年度", 2018),
        ("H31", 2019),
        ("平成31年度", 2019),
        ("H元", 1989),
        ("平成元年度", 1989),
        ("S63", 1988),
        ("昭和63年度", 1988),
        ("S64", 1989),
        ("昭和元年度", 1926),
        ("㍻30年度", 2018),
        ("1900", 1900),
        ("2100", 2100),
    ],
)
def test_parse_fiscal_year_accepts(value: str | int, expected: int) -> None:
    assert parse_fiscal_year(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "empty fiscal year"),
        ("   ", "empty fiscal year"),
        ("X", "年度として解釈できません"),
        ("令和", "accepted: 2021, R3, 令和3年度, R元, H30, 平成30年度"),
        ("FY", "年度として解釈できません"),
        ("R", "年度として解釈できません"),
        ("T3", "年度として解釈できません"),
        ("2021年度度", "年度として解釈できません"),
        ("21", "年度として解釈できません"),
        ("R0", "era year must be 1 or more"),
        ("令和0年度", "元年"),
        ("H32", "Heisei era years end at 31"),
        ("平成32年度", "平成は31年までです"),
        ("S65", "Showa era years end at 64"),
        ("1899", "between 1900 and 2100"),
        ("2101", "between 1900 and 2100"),
        (1899, "between 1900 and 2100"),
        ("R83", "after 2100"),
    ],
)
def test_parse_fiscal_year_refuses(value: str | int, fragment: str) -> None:
    with pytest.raises(FiscalYearError) as info:
        parse_fiscal_year(value)
    assert fragment in str(info.value)
    assert info.value.value == value


def test_fiscal_year_error_message_is_japanese_then_english() -> None:
    with pytest.raises(FiscalYearError) as info:
        parse_fiscal_year("X")
    assert str(info.value) == (
        "年度として解釈できません: 'X'（accepted: 2021, R3, 令和3年度, R元, H30, 平成30年度）"
    )
    assert isinstance(info.value, ValueError)


def test_parse_fiscal_year_refuses_bool() -> None:
    with pytest.raises(FiscalYearError):
        parse_fiscal_year(True)


@pytest.mark.parametrize(
    ("fy", "label", "short"),
    [
        (2021, "令和3年度", "R3"),
        (2019, "令和元年度", "R1"),
        (2018, "平成30年度", "H30"),
        (1989, "平成元年度", "H1"),
        (1988, "昭和63年度", "S63"),
        (2030, "令和12年度", "R12"),
    ],
)
def test_labels(fy: int, label: str, short: str) -> None:
    assert fiscal_year_label(fy) == label
    assert fiscal_year_short_label(fy) == short


@pytest.mark.parametrize("fy", [1925, 1899, 2101])
def test_label_refuses_unsupported_years(fy: int) -> None:
    with pytest.raises(FiscalYearError):
        fiscal_year_label(fy)


@pytest.mark.parametrize("fy", range(1989, 2031))
def test_label_round_trip(fy: int) -> None:
    assert parse_fiscal_year(fiscal_year_label(fy)) == fy
    assert parse_fiscal_year(fiscal_year_short_label(fy)) == fy


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        (date(2021, 4, 1), 2021),
        (date(2022, 3, 31), 2021),
        (date(2021, 3, 31), 2020),
        (date(2021, 12, 17), 2021),
        (date(2019, 4, 30), 2019),
    ],
)
def test_fiscal_year_of(day: date, fy: int) -> None:
    assert fiscal_year_of(day) == fy


def test_fiscal_year_of_aware_datetime_uses_tokyo() -> None:
    # 2021-03-31 16:00 UTC is 2021-04-01 01:00 in Tokyo: already FY2021.
    assert fiscal_year_of(datetime(2021, 3, 31, 16, 0, tzinfo=UTC)) == 2021


def test_fiscal_year_bounds() -> None:
    assert fiscal_year_start(2021) == date(2021, 4, 1)
    assert fiscal_year_end(2021) == date(2022, 3, 31)


def test_now_and_today_are_tokyo() -> None:
    now = now_tokyo()
    assert now.utcoffset() == timedelta(hours=9)
    assert now.tzinfo == TOKYO
    assert today_tokyo() in {now.date(), now.date() + timedelta(days=1)}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("令和3年12月17日", date(2021, 12, 17)),
        ("令和３年１２月１７日", date(2021, 12, 17)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("R3.12.17", date(2021, 12, 17)),
        ("r3.12.17", date(2021, 12, 17)),
        ("Ｒ３．１２．１７", date(2021, 12, 17)),
        ("R3/12/17", date(2021, 12, 17)),
        ("H31.4.30", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("2021-12-17", date(2021, 12, 17)),
        ("2021/12/17", date(2021, 12, 17)),
        ("2021/1/5", date(2021, 1, 5)),
        ("2021年12月17日", date(2021, 12, 17)),
        ("２０２１年１２月１７日", date(2021, 12, 17)),
        ("２０２１－１２－１７", date(2021, 12, 17)),
    ],
)
def test_parse_japanese_date(value: str, expected: date) -> None:
    assert parse_japanese_date(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "empty date"),
        ("not a date", "日付として解釈できません"),
        ("令和3年12月", "日付として解釈できません"),
        ("2021-12/17", "日付として解釈できません"),
        ("21-12-17", "日付として解釈できません"),
        ("2021-02-30", "no such date"),
        ("令和3年13月1日", "no such date"),
        ("令和1年4月1日", "outside the Reiwa era"),
        ("R1.4.30", "outside the Reiwa era"),
        ("H31.5.1", "outside the Heisei era"),
        ("平成元年1月7日", "outside the Heisei era"),
        ("S64.1.8", "outside the Showa era"),
        ("H32.1.1", "Heisei era years end at 31"),
        ("令和0年1月1日", "era year must be 1 or more"),
        ("1899-12-31", "between 1900 and 2100"),
    ],
)
def test_parse_japanese_date_refuses(value: str, fragment: str) -> None:
    with pytest.raises(JapaneseDateError) as info:
        parse_japanese_date(value)
    assert fragment in str(info.value)
    assert info.value.value == value


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2021, 12, 17), "令和3年12月17日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
    ],
)
def test_format_japanese_date_round_trip(day: date, text: str) -> None:
    assert format_japanese_date(day) == text
    assert parse_japanese_date(text) == day


def test_format_japanese_date_refuses_before_showa() -> None:
    with pytest.raises(JapaneseDateError):
        format_japanese_date(date(1926, 12, 24))


@pytest.mark.parametrize(
    ("selection", "extensions", "end", "last_fy"),
    [
        (parse_fiscal_year("H30"), 0, date(2021, 3, 31), 2020),
        (parse_fiscal_year("H30"), 1, date(2023, 3, 31), 2022),
        (parse_fiscal_year("R1"), 0, date(2022, 3, 31), 2021),
        (parse_fiscal_year("R1"), 1, date(2024, 3, 31), 2023),
        (parse_fiscal_year("R2"), 0, date(2023, 3, 31), 2022),
        (parse_fiscal_year("R3"), 0, date(2024, 3, 31), 2023),
        (parse_fiscal_year("R3"), 2, date(2028, 3, 31), 2027),
    ],
)
def test_support_term(selection: int, extensions: int, end: date, last_fy: int) -> None:
    assert support_term_end(selection, extensions) == end
    assert last_supported_fiscal_year(selection, extensions) == last_fy
    assert fiscal_year_end(last_fy) == end


def test_support_term_defaults_and_start() -> None:
    assert support_term_end(2018) == date(2021, 3, 31)
    assert last_supported_fiscal_year(2019) == 2021
    assert support_term_start(2018) == date(2018, 4, 1)
    assert support_term_start(2021) == date(2021, 4, 1)


@pytest.mark.parametrize("extensions", [-1, True])
def test_support_term_refuses_bad_extensions(extensions: int) -> None:
    with pytest.raises(ValueError, match="extensions must be a non-negative integer"):
        support_term_end(2019, extensions)
