"""A programme's selection of an application as the API takes and shows it."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from libs.common.japanese_input import TokyoDatetime
from services.review import field_help
from services.review.input_types import ProgrammeReference

APPLICATION_ID = "合同審査の申請の ID（joint-review application id）"


class SelectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    programme: ProgrammeReference = Field(
        description="選定する事業（the round's programme id or mark）", examples=["☆"]
    )
    application_id: uuid.UUID = Field(
        description=f"{APPLICATION_ID}。その事業に申請したもの（one that applied to the programme）"
    )


class SelectionOut(BaseModel):
    id: uuid.UUID = Field(description="選定の ID（selection id）")
    round_id: uuid.UUID = Field(description="合同審査の回の ID（joint-review round id）")
    application_id: uuid.UUID = Field(description=APPLICATION_ID)
    programme_id: str = Field(description=field_help.PROGRAMME_ID, examples=["mirai-gijutsu"])
    mark: str = Field(description=field_help.MARK, examples=["☆"])
    amount_yen: int = Field(
        description="初年度（the round's fiscal year）の国費（the national funding the "
        "selection spends of the programme's budget, yen）",
        examples=[200_000_000],
    )
    selected_by: str = Field(
        description="選定した職員（the operator who selected it）",
        examples=[field_help.ACTOR_EXAMPLE],
    )
    registry_project_id: uuid.UUID | None = Field(
        description="台帳の事業の ID（the registry project a ☆ selection became, once published; "
        "null otherwise）",
    )
    created_at: TokyoDatetime = Field(
        description="選定日時（selected at）", examples=["2022-03-04T11:00:00+09:00"]
    )
