"""A programme's selection of an application as the API takes and shows it."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from libs.common.japanese_input import TokyoDatetime


class SelectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    programme: str = Field(description="The round's programme id or mark", examples=["☆"])
    application_id: uuid.UUID


class SelectionOut(BaseModel):
    id: uuid.UUID
    round_id: uuid.UUID
    application_id: uuid.UUID
    programme_id: str
    mark: str
    amount_yen: int = Field(description="初年度（the round's fiscal year）の国費")
    selected_by: str
    registry_project_id: uuid.UUID | None = Field(
        description="The registry project a ☆ selection became, once published"
    )
    created_at: TokyoDatetime
