"""The bounds the review's contract states are the ones its request bodies enforce (issue 18):
a fiscal year's range and length, list and code lengths, and no null where a change refuses it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from libs.common.japanese_input import FISCAL_YEAR_TEXT_MAX
from services.review.continuation.applications.schemas import ApplicationUpdate
from services.review.continuation.cycles.schemas import CycleCreate
from services.review.joint_review.applications.schemas import JointReviewApplicationCreate
from services.review.joint_review.rounds.schemas import MAX_ROUND_PROGRAMMES, RoundCreate
from services.review.reviewers.aliases.schemas import AliasUpdate

CYCLE = {
    "opens_at": "2021-09-01T10:00",
    "deadline": "2021-10-31T17:00",
    "review_due": "2021-11-30T17:00",
    "decision_due": "2021-12-17T17:00",
}
APPLICATION: dict[str, Any] = {
    "title": "MaaSによる観光回遊の実装",
    "region": {"label": "川崎市、箱根町", "lg_codes": ["141305", "143821"]},
    "programmes": ["☆"],
    "scheme": "suishin-senku",
    "funding": [{"fiscal_year": "R4", "amount_yen": 1}],
    "duration_years": 3,
}
ROUND_PROGRAMME = {"programme_id": "☆", "quota": 9, "budget_yen": 80_000_000}
ROUND = {
    "fiscal_year": "R4",
    "call_opens_on": "2022-01-04",
    "deadline_at": "2022-02-18T12:00",
    "review_due_on": "2022-03-11",
    "announcement_on": "2022-03-31",
    "programmes": [ROUND_PROGRAMME],
}


def _refusals(model: type[BaseModel], body: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(body)
    return [(".".join(map(str, e["loc"])), e["type"]) for e in refused.value.errors()]


def _bounds(model: type[BaseModel], prop: str) -> list[dict[str, Any]]:
    schema = model.model_json_schema()["properties"][prop]
    return list(schema.get("anyOf", [schema]))


@pytest.mark.parametrize("fiscal_year", [1900, 2100, "R3", "令和３年度", "R3".ljust(20)])
def test_a_fiscal_year_inside_its_stated_bounds_is_taken(fiscal_year: int | str) -> None:
    CycleCreate.model_validate(CYCLE | {"fiscal_year": fiscal_year})


@pytest.mark.parametrize(
    ("fiscal_year", "rule"),
    [(1899, "fiscal_year"), (2101, "fiscal_year"), ("R3".ljust(21), "fiscal_year")],
)
def test_a_fiscal_year_outside_its_stated_bounds_is_refused(
    fiscal_year: int | str, rule: str
) -> None:
    assert _refusals(CycleCreate, CYCLE | {"fiscal_year": fiscal_year}) == [("fiscal_year", rule)]
    integer, text = _bounds(CycleCreate, "fiscal_year")
    assert (integer["minimum"], integer["maximum"]) == (1900, 2100)
    assert text["maxLength"] == FISCAL_YEAR_TEXT_MAX


def test_lists_and_codes_longer_than_stated_are_refused() -> None:
    too_many = [ROUND_PROGRAMME] * (MAX_ROUND_PROGRAMMES + 1)
    assert _refusals(RoundCreate, ROUND | {"programmes": too_many}) == [("programmes", "too_long")]
    body = APPLICATION | {
        "region": {"label": "川崎市", "lg_codes": ["1413050"], "lead_lg_code": "1413050"},
        "programmes": ["☆"] * (MAX_ROUND_PROGRAMMES + 1),
        "scheme": "s" * 41,
        "funding": APPLICATION["funding"] * 21,
        "conditions": [True] * 21,
    }
    assert sorted(_refusals(JointReviewApplicationCreate, body)) == [
        ("conditions", "too_long"),
        ("funding", "too_long"),
        ("programmes", "too_long"),
        ("region.lead_lg_code", "string_too_long"),
        ("region.lg_codes.0", "string_too_long"),
        ("scheme", "string_too_long"),
    ]


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (ApplicationUpdate, "future_vision"),
        (ApplicationUpdate, "achievements"),
        (ApplicationUpdate, "plan"),
        (ApplicationUpdate, "attachments"),
        (AliasUpdate, "canonical"),
        (AliasUpdate, "note"),
    ],
)
def test_a_change_may_leave_a_field_out_but_not_null_it(model: type[BaseModel], field: str) -> None:
    assert model.model_validate({}).model_dump(exclude_unset=True) == {}
    assert _refusals(model, {field: None}) == [(field, "not_null")]
    schema = model.model_json_schema()["properties"][field]
    assert "anyOf" not in schema and schema["type"] != "null"
