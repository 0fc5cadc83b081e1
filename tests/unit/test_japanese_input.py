"""The kernel's Japanese input types as a schema sees them: every accepted spelling, and every
refusal with the rule code and message a 422 carries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from libs.common.fiscal_year import TOKYO
from libs.common.japanese_input import DateIn, FiscalYearIn, TokyoDatetime, Yen

FISCAL_YEAR: TypeAdapter[int] = TypeAdapter(FiscalYearIn)
DATE: TypeAdapter[date] = TypeAdapter(DateIn)
TIME: TypeAdapter[datetime] = TypeAdapter(TokyoDatetime)
YEN: TypeAdapter[int] = TypeAdapter(Yen)


def _refusal(adapter: TypeAdapter[Any], value: object) -> tuple[str, str]:
    """The (rule, message) of the single error validating ``value`` gives."""
    with pytest.raises(ValidationError) as info:
        adapter.validate_python(value)
    (error,) = info.value.errors()
    return error["type"], error["msg"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2021, 2021),
        ("2021", 2021),
        ("FY2021", 2021),
        ("fy2021", 2021),
        ("2021年度", 2021),
        ("R3", 2021),
        ("r3", 2021),
        ("令和3年度", 2021),
        ("令和3年", 2021),
        ("R元", 2019),
        ("令和元年度", 2019),
        ("R1", 2019),
        ("H30", 2018),
        ("平成30年度", 2018),
        ("H31", 2019),
        ("平成31年度", 2019),
        ("S64", 1989),
        ("２０２１", 2021),
        ("ＦＹ２０２１", 2021),
        ("Ｒ３", 2021),
        ("令和３年度", 2021),
        ("㋿3", 2021),
        ("㍻30", 2018),
        (" R 3 ", 2021),
    ],
)
def test_fiscal_year_accepts(value: object, expected: int) -> None:
    assert FISCAL_YEAR.validate_python(value) == expected


def test_fiscal_year_accepts_every_form_from_json() -> None:
    assert FISCAL_YEAR.validate_json('"令和3年度"') == 2021
    assert FISCAL_YEAR.validate_json("2021") == 2021


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "empty fiscal year"),
        ("X", "年度として解釈できません"),
        ("21", "年度として解釈できません"),
        ("R0", "era year must be 1 or more"),
        ("H32", "Heisei era years end at 31"),
        ("平成32年度", "平成は31年までです"),
        ("R83", "after 2100"),
        ("1899", "between 1900 and 2100"),
        (2101, "between 1900 and 2100"),
        (True, "年度として解釈できません"),
        (2021.0, "年度として解釈できません"),
        (None, "年度として解釈できません"),
    ],
)
def test_fiscal_year_refuses_with_its_rule(value: object, fragment: str) -> None:
    rule, message = _refusal(FISCAL_YEAR, value)
    assert rule == "fiscal_year"
    assert fragment in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("令和3年12月17日", date(2021, 12, 17)),
        ("令和３年１２月１７日", date(2021, 12, 17)),
        ("R3.12.17", date(2021, 12, 17)),
        ("R3/12/17", date(2021, 12, 17)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("H30.4.1", date(2018, 4, 1)),
        ("2021-12-17", date(2021, 12, 17)),
        ("2021/12/17", date(2021, 12, 17)),
        ("2021年12月17日", date(2021, 12, 17)),
        ("２０２１－１２－１７", date(2021, 12, 17)),
        (date(2021, 12, 17), date(2021, 12, 17)),
    ],
)
def test_date_accepts(value: object, expected: date) -> None:
    assert DATE.validate_python(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "empty date"),
        ("12/17", "日付として解釈できません"),
        ("令和1年4月1日", "date outside the Reiwa era"),
        ("平成31年5月1日", "date outside the Heisei era"),
        ("2021-02-30", "no such date"),
        ("1899-12-31", "year must be between 1900 and 2100"),
    ],
)
def test_date_refuses_with_its_rule(value: str, fragment: str) -> None:
    rule, message = _refusal(DATE, value)
    assert rule == "date"
    assert fragment in message


def test_date_refuses_what_is_not_a_date() -> None:
    rule, _ = _refusal(DATE, [2021, 12, 17])
    assert rule == "date_type"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-12-17T10:00", datetime(2021, 12, 17, 10, 0, tzinfo=TOKYO)),
        ("2021-12-17T10:00:00+09:00", datetime(2021, 12, 17, 10, 0, tzinfo=TOKYO)),
        ("2021-12-17T01:00:00Z", datetime(2021, 12, 17, 10, 0, tzinfo=TOKYO)),
        ("2021-12-16T20:00:00-05:00", datetime(2021, 12, 17, 10, 0, tzinfo=TOKYO)),
        (datetime(2021, 12, 17, 10, 0), datetime(2021, 12, 17, 10, 0, tzinfo=TOKYO)),
        (datetime(2021, 12, 17, 1, 0, tzinfo=UTC), datetime(2021, 12, 17, 10, 0, tzinfo=TOKYO)),
    ],
)
def test_tokyo_datetime_accepts(value: object, expected: datetime) -> None:
    """A naive time is the office's wall clock, not the server's zone; every answer is +09:00."""
    parsed = TIME.validate_python(value)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(hours=9)
    assert TIME.dump_json(parsed) == b'"2021-12-17T10:00:00+09:00"'


def test_tokyo_datetime_refuses_a_time_outside_the_calendar() -> None:
    """Year 1 an hour east of UTC is year 0 in UTC: a 422 with its reason, never a 500."""
    rule, message = _refusal(TIME, "0001-01-01T00:15+01:00")
    assert rule == "value_error"
    assert "日時が範囲外です（datetime out of range）" in message


def test_tokyo_datetime_refuses_what_is_not_a_time() -> None:
    rule, _ = _refusal(TIME, "令和3年12月17日")
    assert rule == "datetime_from_date_parsing"


@pytest.mark.parametrize("value", [0, 1, 200_000_000, 10**15])
def test_yen_accepts_whole_yen(value: int) -> None:
    assert YEN.validate_python(value) == value


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (-1, "greater_than_equal"),
        (10**15 + 1, "less_than_equal"),
        ("200000000", "int_type"),
        (200_000_000.0, "int_type"),
        (True, "int_type"),
    ],
)
def test_yen_refuses_with_its_rule(value: object, rule: str) -> None:
    assert _refusal(YEN, value)[0] == rule


def test_the_documented_schemas() -> None:
    """What the OpenAPI documents show for each type: one description and one set of examples."""
    fiscal_year = FISCAL_YEAR.json_schema()
    assert fiscal_year["anyOf"] == [
        {"type": "integer", "minimum": 1900, "maximum": 2100},
        {"type": "string", "minLength": 1, "maxLength": 20},
    ]
    assert fiscal_year["examples"] == ["令和3年度", 2021, "R3"]
    assert all(FISCAL_YEAR.validate_python(e) == 2021 for e in fiscal_year["examples"])
    assert DATE.json_schema() == {
        "type": "string",
        "format": "date",
        "examples": ["2021-03-31", "令和3年3月31日"],
    }
    assert TIME.json_schema() == {"type": "string", "format": "date-time"}
    assert YEN.json_schema()["type"] == "integer"
