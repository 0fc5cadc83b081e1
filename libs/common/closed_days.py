"""Government offices' closed days (行政機関の休日, 閉庁日) and deadline adjustment.

Closed days are Saturdays, Sundays, national holidays (国民の祝日, including 振替休日 and
国民の休日, from the ``holidays`` package) and the year-end/new-year break 29 December – 3 January.
A deadline falling on a closed day moves to the next open day (開庁日).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from libs.common.fiscal_year import TOKYO, as_tokyo_date

# Longest real run of closed days is about ten (year-end break plus a long weekend); the bound
# only guards against a broken calendar looping forever.
_MAX_CLOSED_RUN = 60


@lru_cache(maxsize=256)
def _national_holidays(year: int) -> frozenset[date]:
    """National holidays of ``year``; empty for years the ``holidays`` package does not cover."""
    return frozenset(holidays.country_holidays("JP", years=year).keys())


def is_year_end_break(d: date) -> bool:
    """True for 年末年始 (29 December – 3 January)."""
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


def is_national_holiday(d: date) -> bool:
    """True for a national holiday, substitute holiday (振替休日) or citizens' holiday."""
    day = as_tokyo_date(d)
    return day in _national_holidays(day.year)


def is_closed_day(d: date) -> bool:
    """True when government offices are closed on ``d`` (datetimes are taken in Tokyo)."""
    day = as_tokyo_date(d)
    return day.weekday() >= 5 or is_year_end_break(day) or is_national_holiday(day)


def next_open_day(d: date) -> date:
    """``d`` itself if offices are open, otherwise the next day they are open."""
    day = as_tokyo_date(d)
    for _ in range(_MAX_CLOSED_RUN):
        if not is_closed_day(day):
            return day
        day += timedelta(days=1)
    raise RuntimeError(f"no open day within {_MAX_CLOSED_RUN} days of {d.isoformat()}")


def deadline_on_open_day(dt: datetime) -> datetime:
    """Move a deadline to the next open day, keeping its time of day in Asia/Tokyo.

    A naive datetime is taken as Tokyo wall-clock time; the result is always aware (Asia/Tokyo).
    """
    local = dt.replace(tzinfo=TOKYO) if dt.tzinfo is None else dt.astimezone(TOKYO)
    open_day = next_open_day(local.date())
    # Tokyo has no DST, so replacing the date cannot produce a non-existent wall time.
    return local.replace(year=open_day.year, month=open_day.month, day=open_day.day)
