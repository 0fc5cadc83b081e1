"""Field types of the review's request bodies that carry the bounds the server enforces, so the
contract states them: a fiscal year's range and length, a local-government code's length, a
programme reference's length (the columns they are stored in)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticKnownError

from libs.common.fiscal_year import MAX_YEAR, MIN_YEAR
from libs.common.japanese_input import FiscalYearIn

# The longest accepted form is a few characters (FY2021年度, 令和３年度); the bound keeps a
# megabyte of text from reaching the parser, and lets the contract say so.
MAX_FISCAL_YEAR_TEXT = 20
LG_CODE_LENGTH = 6
PROGRAMME_REFERENCE_LENGTH = 40  # joint_round_programmes.programme_id, reviewers.programme


def _short_enough(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_FISCAL_YEAR_TEXT:
        raise PydanticKnownError("string_too_long", {"max_length": MAX_FISCAL_YEAR_TEXT})
    return value


BoundedFiscalYear = Annotated[
    FiscalYearIn,
    BeforeValidator(_short_enough),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR},
                {"type": "string", "minLength": 1, "maxLength": MAX_FISCAL_YEAR_TEXT},
            ],
            "description": f"年度（fiscal year, {MIN_YEAR}–{MAX_YEAR}）: 2021, FY2021, R3, "
            "令和3年度, R元, H30, 平成30年度 …（全角数字も可; full-width digits too）",
            "examples": ["令和3年度", 2021, "R3"],
        }
    ),
]
"""The kernel's fiscal year (any accepted form) with its bounds in the contract."""

LgCodeIn = Annotated[str, Field(max_length=LG_CODE_LENGTH)]
"""A local-government code as given: its digits and check digit are the service's to check
(every bad code is named at once), its length the schema's."""

ProgrammeReference = Annotated[str, Field(max_length=PROGRAMME_REFERENCE_LENGTH)]
"""A programme by its registry id or its mark (``mirai-gijutsu``, ``☆``)."""
