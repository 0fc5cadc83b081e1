"""Japanese input types: what a form or a partner system may send for a fiscal year (年度), a date
(日付), a time or an amount of yen, as pydantic ``Annotated`` types every service's schemas share.

The parsing rules live in :mod:`libs.common.fiscal_year`; this module only turns them into field
types, so that a fiscal year written ``R3`` is accepted by every endpoint or by none, and every
refusal carries the same rule code (``fiscal_year``, ``date``) in the 422's error list.

- :data:`FiscalYearIn` — ``2021``, ``"2021"``, ``FY2021``, ``R3``, ``令和3年度``, ``R元``, ``H30``,
  ``平成30年度``, ``H31`` (= 2019), full-width digits and era ligatures (NFKC first); the integer.
- :data:`DateIn` — ``令和3年12月17日``, ``R3.12.17``, ``2021-12-17``, ``2021/12/17``,
  ``2021年12月17日``; a :class:`~datetime.date`.
- :data:`TokyoDatetime` — any ISO 8601 time; a naive one is Tokyo wall-clock time (the office's
  time), an aware one is converted; always answered with ``+09:00``.
- :data:`Yen` — a whole, non-negative number of yen, never a string or a fraction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, WithJsonSchema
from pydantic_core import PydanticCustomError

from libs.common.fiscal_year import (
    MAX_YEAR,
    MIN_YEAR,
    TOKYO,
    FiscalYearError,
    JapaneseDateError,
    parse_fiscal_year,
    parse_japanese_date,
)

MAX_YEN = 10**15  # a quadrillion yen: above any budget, below what JSON numbers hold exactly


# The longest accepted spelling is ``FY2021年度`` or ``令和元年度`` with a few spaces: a longer text
# is refused before it is parsed, so the contract can state a maximum length.
FISCAL_YEAR_TEXT_MAX = 20


def _fiscal_year(value: Any) -> int:
    if isinstance(value, str) and len(value) > FISCAL_YEAR_TEXT_MAX:
        raise PydanticCustomError(
            "fiscal_year",
            "年度は{max_length}文字以内で指定してください（fiscal year text longer than "
            "{max_length} characters）",
            {"max_length": FISCAL_YEAR_TEXT_MAX},
        )
    try:
        return parse_fiscal_year(value)
    except FiscalYearError as exc:
        raise PydanticCustomError("fiscal_year", exc.message) from None


def _date(value: Any) -> Any:
    """Text is parsed here; anything else (a ``date`` built in code) is left to pydantic."""
    if not isinstance(value, str):
        return value
    try:
        return parse_japanese_date(value)
    except JapaneseDateError as exc:
        raise PydanticCustomError("date", exc.message) from None


def _in_tokyo(value: datetime) -> datetime:
    """Aware, in Tokyo; a naive input is Tokyo wall-clock time, never the server's zone."""
    try:
        return value.replace(tzinfo=TOKYO) if value.tzinfo is None else value.astimezone(TOKYO)
    except OverflowError:  # 0001-01-01T00:15+01:00 is year 0 in UTC: a 422, not a 500
        raise ValueError("日時が範囲外です（datetime out of range）") from None


FiscalYearIn = Annotated[
    int,
    BeforeValidator(_fiscal_year),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR},
                {"type": "string", "minLength": 1, "maxLength": FISCAL_YEAR_TEXT_MAX},
            ],
            "description": "年度（fiscal year）: 2021, FY2021, R3, 令和3年度, R元, H30, "
            f"平成30年度 …（全角数字も可; full-width digits too; {MIN_YEAR}–{MAX_YEAR}）",
            "examples": ["令和3年度", 2021, "R3"],
        }
    ),
]
DateIn = Annotated[
    date,
    BeforeValidator(_date),
    WithJsonSchema(
        {"type": "string", "format": "date", "examples": ["2021-03-31", "令和3年3月31日"]}
    ),
]
TokyoDatetime = Annotated[datetime, AfterValidator(_in_tokyo)]
Yen = Annotated[
    StrictInt, Field(ge=0, le=MAX_YEN, description="integer yen", examples=[200_000_000])
]
