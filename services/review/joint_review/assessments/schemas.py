"""A reviewer's assessment of an application as the API takes and shows it."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from libs.common.japanese_input import TokyoDatetime
from libs.common.named_schema import Named
from services.review import field_help

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
_QUESTIONS_EN = {
    "innovation": "is the use of future technology advanced, a model for the country",
    "feasibility": "are the organisation, plan and funding sound, will it last",
    "spread": "can it spread to other regions and link with other programmes",
}
_HELP = {
    criterion: f"{label}（{criterion}: {_QUESTIONS_EN[criterion]}）"
    for criterion, label in CRITERIA.items()
}


JointReviewCriterion = Annotated[
    Literal["innovation", "feasibility", "spread"],
    Named(
        "JointReviewCriterion",
        "合同審査の評価項目（criterion）: "
        + ", ".join(f"{criterion} {name}" for criterion, name in CRITERION_NAMES.items()),
    ),
]
SCORE = "評点（score, 1–5）"
COMMENT = "講評（the reviewer's comment on this criterion）"


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: StrictInt = Field(ge=1, le=5, description=SCORE, examples=[4])
    comment: str = Field(
        default="", max_length=4000, description=COMMENT, examples=["実装体制が明確"]
    )


class JointReviewAssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    innovation: CriterionIn = Field(description=_HELP["innovation"])
    feasibility: CriterionIn = Field(description=_HELP["feasibility"])
    spread: CriterionIn = Field(description=_HELP["spread"])


class CriterionOut(BaseModel):
    criterion: JointReviewCriterion = Field(
        description="評価項目（criterion）", examples=["innovation"]
    )
    label: str = Field(
        description="評価項目の名称と観点（the criterion's name and question, in Japanese）",
        examples=[CRITERIA["innovation"]],
    )
    score: int = Field(description=SCORE, examples=[4])
    comment: str = Field(description=COMMENT, examples=["実装体制が明確"])


class JointReviewAssessmentOut(BaseModel):
    id: uuid.UUID = Field(description="評価の ID（assessment id）")
    application_id: uuid.UUID = Field(
        description="合同審査の申請の ID（joint-review application id）"
    )
    programme_id: str = Field(
        description="評価した事業の id（the reviewer's programme）", examples=["mirai-gijutsu"]
    )
    reviewer: str = Field(
        description="審査員（the reviewer's subject）", examples=["reviewer-yamada"]
    )
    criteria: list[CriterionOut] = Field(
        description="3項目の評点と講評（score and comment per criterion, in this order: "
        "innovation, feasibility, spread）"
    )
    total: int = Field(description="3項目の合計（sum of the three scores, 3–15）", examples=[12])
    version: int = Field(description=field_help.VERSION, examples=[1])
    updated_at: TokyoDatetime = Field(
        description="最終保存日時（last saved at）", examples=["2022-03-01T15:00:00+09:00"]
    )
