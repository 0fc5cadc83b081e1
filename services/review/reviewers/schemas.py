"""審査員 as the API reads and writes them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from libs.common.auth import MAX_SUBJECT_LENGTH
from libs.common.japanese_input import TokyoDatetime
from libs.common.lg_code import LocalGovernmentCodeError, validate_lg_code


def _lg_code(value: object) -> object:
    if value is None or value == "":
        return None
    try:
        return validate_lg_code(str(value))
    except LocalGovernmentCodeError as exc:
        raise PydanticCustomError(exc.rule, exc.message) from None


class ReviewerCreate(BaseModel):
    subject: str = Field(
        min_length=1,
        max_length=MAX_SUBJECT_LENGTH,
        description="The `sub` of the reviewer's JWT: how a token is matched to this reviewer",
        examples=["reviewer-yamada"],
    )
    name: str = Field(min_length=1, max_length=100, examples=["山田 太郎"])
    email: str = Field(min_length=3, max_length=320, examples=["yamada@example.ac.jp"])
    organisation: str = Field(
        min_length=1,
        max_length=200,
        description="所属。利益相反の判定に使う（compared with council members and proposers "
        "by identity: 法人格, offices, departments and the office's aliases folded）",
        examples=["早稲田大学"],
    )
    lg_code: Annotated[str | None, BeforeValidator(_lg_code)] = Field(
        default=None,
        description="所属する地方公共団体のコード（自治体職員の場合）",
        examples=[None],
    )
    programme: str | None = Field(
        default=None,
        max_length=40,
        description="合同審査で担当する事業（id か記号）。"
        "記号は id として保存され、審査員のトークンは"
        "その id を programme に持つ。継続審査のみなら省略（the joint-review programme, by "
        "registry id or mark; stored as the id, which the reviewer's token claims）",
        examples=["mirai-gijutsu"],
    )


class ReviewerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    subject: str = Field(examples=["reviewer-yamada"])
    name: str
    email: str
    organisation: str
    organisation_key: str = Field(description="Normalised search key of the organisation")
    lg_code: str | None
    programme: str | None = Field(
        description="担当事業の id（registry programme id; null: continuation review only）",
        examples=["mirai-gijutsu"],
    )
    programme_mark: str | None = Field(
        description="担当事業の記号（the programme's mark, resolved once at registration）",
        examples=["☆"],
    )
    created_at: TokyoDatetime
    version: int
