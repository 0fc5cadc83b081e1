"""組織の別名 as the API reads and writes them."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from libs.common.japanese_input import TokyoDatetime
from libs.common.omittable import Omittable
from services.review import field_help

WRITTEN = "表記（the written form, matched whatever its width, spacing or 法人格）"
CANONICAL = "正式な団体名（the organisation it is; may itself be a local government）"
NOTE = "理由・出典（why the office filed it, or where the form comes from）"


class AliasCreate(BaseModel):
    written: str = Field(min_length=1, max_length=200, description=WRITTEN, examples=["ドコモ"])
    canonical: str = Field(
        min_length=1, max_length=200, description=CANONICAL, examples=["株式会社NTTドコモ"]
    )
    note: str = Field(default="", max_length=2000, description=NOTE, examples=["略称"])


class AliasUpdate(BaseModel):
    """Only the fields sent change; neither may be null (``""`` empties the note)."""

    canonical: Omittable[str] = Field(
        default=None,
        min_length=1,
        max_length=200,
        description=CANONICAL,
        examples=["株式会社NTTドコモ"],
    )
    note: Omittable[str] = Field(
        default=None, max_length=2000, description=NOTE, examples=["社内での略称"]
    )


class AliasOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="別名の ID（alias id）")
    written: str = Field(description=WRITTEN, examples=["ドコモ"])
    written_key: str = Field(
        description="照合キー（the key the written form is filed under: width, spaces and 法人格 "
        "folded）",
        examples=["どこも"],
    )
    canonical: str = Field(description=CANONICAL, examples=["株式会社NTTドコモ"])
    note: str = Field(description=NOTE, examples=["略称"])
    created_by: str = Field(description=field_help.ACTOR, examples=[field_help.ACTOR_EXAMPLE])
    created_at: TokyoDatetime = Field(
        description=field_help.CREATED_AT, examples=["2021-10-01T09:30:00+09:00"]
    )
    updated_at: TokyoDatetime = Field(
        description="最終更新日時（last changed at）", examples=["2021-10-05T14:00:00+09:00"]
    )
    version: int = Field(description=field_help.VERSION, examples=[1])
