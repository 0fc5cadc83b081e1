from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from libs.common.closed_days import (
    deadline_on_open_day,
    is_closed_day,
    is_national_holiday,
    is_year_end_break,
    next_open_day,
)
from libs.common.fiscal_year import TOKYO


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        (date(2021, 12, 17), False),  # Friday
        (date(2021, 12, 18), True),  # Saturday
        (date(2021, 12, 19), True),  # Sunday
        (date(2021, 12, 28), False),  # last working day of the year
        (date(2021, 12, 29), True),  # 年末年始 on a Wednesday
        (date(2021, 12, 31), True),
        (date(2022, 1, 3), True),  # 年末年始 on a Monday
        (date(2022, 1, 4), False),
        (date(2022, 1, 10), True),  # 成人の日
        (date(2023, 1, 2), True),  # 振替休日
        (date(2024, 2, 12), True),  # 振替休日
        (date(2020, 5, 6), True),  # 振替休日
        (date(2019, 4, 30), True),  # 国民の休日 around the 2019 accession
        (date(2024, 2, 13), False),
        (date(2100, 6, 1), False),  # beyond the holidays package's range: weekdays only
    ],
)
def test_is_closed_day(day: date, closed: bool) -> None:
    assert is_closed_day(day) is closed


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2023, 1, 2), True),
        (date(2021, 12, 29), False),
        (date(2021, 12, 18), False),
    ],
)
def test_is_national_holiday(day: date, expected: bool) -> None:
    assert is_national_holiday(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2021, 12, 28), False),
        (date(2021, 12, 29), True),
        (date(2022, 1, 1), True),
        (date(2022, 1, 3), True),
        (date(2022, 1, 4), False),
    ],
)
def test_is_year_end_break(day: date, expected: bool) -> None:
    assert is_year_end_break(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2021, 12, 17), date(2021, 12, 17)),  # open: unchanged
        (date(2021, 12, 18), date(2021, 12, 20)),  # weekend
        (date(2021, 12, 29), date(2022, 1, 4)),  # year-end break
        # Sunday and New Year's Day, then the substitute holiday, then 3 January.
        (date(2023, 1, 1), date(2023, 1, 4)),
        (date(2023, 1, 2), date(2023, 1, 4)),
        # Sunday 建国記念の日, Monday substitute holiday.
        (date(2024, 2, 11), date(2024, 2, 13)),
        # Golden Week 2020: Sunday 憲法記念日 pushes a substitute holiday to Wednesday 6 May.
        (date(2020, 5, 2), date(2020, 5, 7)),
        (date(2020, 5, 3), date(2020, 5, 7)),
        (date(2020, 5, 6), date(2020, 5, 7)),
        # Ten-day Golden Week of the 2019 accession.
        (date(2019, 4, 27), date(2019, 5, 7)),
    ],
)
def test_next_open_day(day: date, expected: date) -> None:
    assert next_open_day(day) == expected


def test_deadline_moves_date_and_keeps_time() -> None:
    deadline = datetime(2021, 12, 29, 17, 0, tzinfo=TOKYO)
    assert deadline_on_open_day(deadline) == datetime(2022, 1, 4, 17, 0, tzinfo=TOKYO)


def test_deadline_on_open_day_is_unchanged() -> None:
    deadline = datetime(2021, 12, 17, 12, 0, tzinfo=TOKYO)
    assert deadline_on_open_day(deadline) == deadline


def test_deadline_in_utc_is_judged_in_tokyo() -> None:
    # 2021-12-28 20:00 UTC is 2021-12-29 05:00 in Tokyo: already the year-end break.
    deadline = datetime(2021, 12, 28, 20, 0, tzinfo=UTC)
    moved = deadline_on_open_day(deadline)
    assert moved == datetime(2022, 1, 4, 5, 0, tzinfo=TOKYO)
    assert moved.tzinfo == TOKYO


def test_deadline_naive_is_taken_as_tokyo() -> None:
    moved = deadline_on_open_day(datetime(2024, 2, 11, 23, 59, 59))
    assert moved == datetime(2024, 2, 13, 23, 59, 59, tzinfo=TOKYO)
    assert moved.tzinfo == TOKYO


def test_deadline_sunday_before_substitute_holiday() -> None:
    deadline = datetime(2023, 1, 1, 17, 0, tzinfo=TOKYO)
    assert deadline_on_open_day(deadline) == datetime(2023, 1, 4, 17, 0, tzinfo=TOKYO)
