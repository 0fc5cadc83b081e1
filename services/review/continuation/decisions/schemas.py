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
    outcome: DecisionOutcome = Field(
        description="決定（outcome: approved extends the term by two fiscal years）",
        examples=["approved"],
    )
    reason: str = Field(
        min_length=1,
        max_length=4000,
        description="決定の理由。通知の手紙に載る（why; the letter to the project's contacts "
        "states it）",
        examples=["事業成果が十分であり継続を承認"],
    )


class DecisionOut(BaseModel):
    id: uuid.UUID = Field(description="決定の ID（decision id）")
    application_id: uuid.UUID = Field(description="継続申請書の ID（continuation application id）")
    project_id: uuid.UUID = Field(description="対象事業の ID（the registry's project id）")
    outcome: DecisionOutcome = Field(description="決定（outcome）", examples=["approved"])
    reason: str = Field(
        description="決定の理由（why）", examples=["事業成果が十分であり継続を承認"]
    )
    decided_by: str = Field(
        description="決定した職員（the operator who decided）", examples=["operator:office-1"]
    )
    decided_at: TokyoDatetime = Field(
        description="決定日時（decided at）", examples=["2021-12-17T10:00:00+09:00"]
    )
    new_term_end: date | None = Field(
        description="承認時の延長後の支援終了日（2年度延長）（the term end an approval grants: two "
        "fiscal years more; null when rejected）",
        examples=["2024-03-31"],
    )
    registry_result: dict[str, Any] | None = Field(
        description="台帳に反映した結果（反映済みなら）（the registry's answer to the term "
        "extension once applied: previous_term_end, new_term_end, status …; null before and for "
        "a rejection）",
        examples=[
            {
                "previous_term_end": "2022-03-31",
                "new_term_end": "2024-03-31",
                "status": "supported",
            }
        ],
    )


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
