"""Request types the registry's bodies and routes share, each documented with the bound the
server enforces: a client generated from the contract refuses what the registry would refuse.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from libs.common.fiscal_year import MAX_YEAR, MIN_YEAR
from libs.common.japanese_input import FiscalYearIn
from libs.common.pagination import MAX_PAGE_SIZE

LONG_TEXT_MAX = 10_000
"""Free text stored in a ``Text`` column (目指す将来像, 概要, 理由 …): far above what the seed's
documents write, below what a 1 MB body could carry many times over."""

# The longest accepted spelling is ``FY2021年度`` or ``令和元年度`` with a few spaces: a longer text
# is refused before it is parsed, so the contract can state a maximum length.
FISCAL_YEAR_TEXT_MAX = 20


def _fiscal_year_text_within_bound(value: Any) -> Any:
    if isinstance(value, str) and len(value) > FISCAL_YEAR_TEXT_MAX:
        raise PydanticCustomError(
            "fiscal_year",
            "年度は{max_length}文字以内で指定してください（fiscal year text longer than "
            "{max_length} characters）",
            {"max_length": FISCAL_YEAR_TEXT_MAX},
        )
    return value


FiscalYear = Annotated[
    FiscalYearIn,
    BeforeValidator(_fiscal_year_text_within_bound),
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
"""A fiscal year in any accepted form, refused with rule ``fiscal_year`` (out of range too)."""

LG_CODE_HELP = (
    "全国地方公共団体コード（6桁、末尾は検査数字）"
    "（6-digit local government code, the last digit a check digit）"
)

LgCode = Annotated[
    str,
    Field(
        max_length=6,
        description=LG_CODE_HELP + "; full-width digits are accepted",
        examples=["112071"],
    ),
]
"""A local government code as a body gives it; the service validates the check digit and that
the local government is registered (rules ``format``, ``check_digit``, ``unknown``)."""

PageLimit = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"1ページの件数（page size, 1–{MAX_PAGE_SIZE}）",
        examples=[50],
    ),
]
PageCursor = Annotated[
    str | None,
    Query(
        description="続きのカーソル（cursor）: the `next` link of the previous page carries it; "
        "one the registry did not issue for this list is a 422"
    ),
]
