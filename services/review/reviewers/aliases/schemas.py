"""組織の別名 as the API reads and writes them."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from libs.common.japanese_input import TokyoDatetime


class AliasCreate(BaseModel):
    written: str = Field(
        min_length=1,
        max_length=200,
        description="表記（the written form, matched whatever its width, spacing or 法人格）",
        examples=["ドコモ"],
    )
    canonical: str = Field(
        min_length=1,
        max_length=200,
        description="正式な団体名（the organisation it is; may itself be a local government）",
        examples=["株式会社NTTドコモ"],
    )
    note: str = Field(default="", max_length=2000, description="理由・出典", examples=["略称"])


class AliasUpdate(BaseModel):
    canonical: str | None = Field(default=None, min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class AliasOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    written: str = Field(examples=["ドコモ"])
    written_key: str = Field(
        description="照合キー（the key the written form is filed under: width, spaces and 法人格 "
        "folded）",
        examples=["どこも"],
    )
    canonical: str = Field(examples=["株式会社NTTドコモ"])
    note: str
    created_by: str
    created_at: TokyoDatetime
    updated_at: TokyoDatetime
    version: int
