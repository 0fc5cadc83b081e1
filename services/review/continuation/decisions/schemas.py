"""Continuation decisions as the API reads and writes them, and the term an approval grants."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from libs.common.fiscal_year import fiscal_year_end, fiscal_year_of
from libs.common.japanese_input import TokyoDatetime
from libs.common.named_schema import Named
from services.review.continuation.models import ContinuationDecision, CycleProject

EXTENSION_FISCAL_YEARS = 2


DecisionOutcome = Annotated[
    Literal["approved", "rejected"],
    Named(
        "DecisionOutcome",
        "継続審査の決定（continuation decision）: approved 継続承認, rejected 不承認",
    ),
]


def extended_term_end(term_end: date) -> date:
    """An approved continuation adds two fiscal years to the current term."""
    return fiscal_year_end(fiscal_year_of(term_end) + EXTENSION_FISCAL_YEARS)


class DecisionCreate(BaseModel):
    outcome: DecisionOutcome
    reason: str = Field(min_length=1, max_length=4000, examples=["事業成果が十分であり継続を承認"])


class DecisionOut(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    project_id: uuid.UUID
    outcome: DecisionOutcome
    reason: str
    decided_by: str
    decided_at: TokyoDatetime
    new_term_end: date | None = Field(
        description="承認時の延長後の支援終了日（2年度延長）", examples=["2024-03-31"]
    )
    registry_result: dict[str, Any] | None = Field(description="台帳に反映した結果（反映済みなら）")


def decision_out(decision: ContinuationDecision, entry: CycleProject) -> DecisionOut:
    approved = decision.outcome == "approved"
    return DecisionOut(
        id=decision.id,
        application_id=decision.application_id,
        project_id=decision.project_id,
        outcome="approved" if approved else "rejected",
        reason=decision.reason,
        decided_by=decision.decided_by,
        decided_at=decision.decided_at,
        new_term_end=extended_term_end(entry.term_end) if approved else None,
        registry_result=decision.registry_result,
    )
