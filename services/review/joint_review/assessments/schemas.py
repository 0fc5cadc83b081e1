"""A reviewer's assessment of an application as the API takes and shows it."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from libs.common.japanese_input import TokyoDatetime
from libs.common.named_schema import Named

# The three criteria every reviewer scores (1–5), with a comment each; see docs/review.md. Their
# names, as the API's labels, docs/review.md and the internal workbook's headers all write them.
CRITERION_NAMES: dict[str, str] = {
    "innovation": "先進性・モデル性",
    "feasibility": "実現可能性・持続性",
    "spread": "横展開・連携の可能性",
}
_QUESTIONS = {
    "innovation": "未来技術の活用が先進的で、全国のモデルとなるか",
    "feasibility": "体制・計画・資金が確かで、事業が続くか",
    "spread": "他地域や他事業との連携・展開が見込めるか",
}
CRITERIA: dict[str, str] = {
    criterion: f"{name}（{_QUESTIONS[criterion]}）" for criterion, name in CRITERION_NAMES.items()
}


JointReviewCriterion = Annotated[
    Literal["innovation", "feasibility", "spread"],
    Named(
        "JointReviewCriterion",
        "合同審査の評価項目（criterion）: innovation 先進性・モデル性, "
        "feasibility 実現可能性・持続性, spread 波及効果",
    ),
]


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: StrictInt = Field(ge=1, le=5, examples=[4])
    comment: str = Field(default="", max_length=4000, examples=["実装体制が明確"])


class JointReviewAssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    innovation: CriterionIn = Field(description=CRITERIA["innovation"])
    feasibility: CriterionIn = Field(description=CRITERIA["feasibility"])
    spread: CriterionIn = Field(description=CRITERIA["spread"])


class CriterionOut(BaseModel):
    criterion: JointReviewCriterion
    label: str
    score: int
    comment: str


class JointReviewAssessmentOut(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    programme_id: str
    reviewer: str = Field(description="The reviewer's subject")
    criteria: list[CriterionOut]
    total: int = Field(description="Sum of the three scores (3–15)", examples=[12])
    version: int
    updated_at: TokyoDatetime
