"""審査員 as the API reads and writes them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from libs.common.auth import MAX_SUBJECT_LENGTH
from libs.common.japanese_input import TokyoDatetime
from libs.common.lg_code import LocalGovernmentCodeError, validate_lg_code
from services.review import field_help
from services.review.input_types import LG_CODE_LENGTH, PROGRAMME_REFERENCE_LENGTH

SUBJECT = (
    "審査員のトークンの sub（the `sub` of the reviewer's JWT: how a token is matched to this "
    "reviewer）"
)
REVIEWER_LG_CODE = (
    "所属する地方公共団体の全国地方公共団体コード（6桁）。自治体職員の場合のみ（the 6-digit code "
    "of the reviewer's local government, for a local-government officer; null otherwise）"
)


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
        description=SUBJECT,
        examples=["reviewer-yamada"],
    )
    name: str = Field(
        min_length=1, max_length=100, description="氏名（reviewer's name）", examples=["山田 太郎"]
    )
    email: str = Field(
        min_length=3,
        max_length=320,
        description="メールアドレス（the reviewer's e-mail address）",
        examples=["yamada@example.ac.jp"],
    )
    organisation: str = Field(
        min_length=1,
        max_length=200,
        description="所属。利益相反の判定に使う（compared with council members and proposers "
        "by identity: 法人格, offices, departments and the office's aliases folded）",
        examples=["早稲田大学"],
    )
    # The code is checked (and full-width digits folded) before the length is.
    lg_code: Annotated[str | None, BeforeValidator(_lg_code)] = Field(
        default=None, max_length=LG_CODE_LENGTH, description=REVIEWER_LG_CODE, examples=[None]
    )
    programme: str | None = Field(
        default=None,
        max_length=PROGRAMME_REFERENCE_LENGTH,
        description="合同審査で担当する事業（id か記号）。"
        "記号は id として保存され、審査員のトークンは"
        "その id を programme に持つ。継続審査のみなら省略（the joint-review programme, by "
        "registry id or mark; stored as the id, which the reviewer's token claims）",
        examples=["mirai-gijutsu"],
    )


class ReviewerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    subject: str = Field(description=SUBJECT, examples=["reviewer-yamada"])
    name: str = Field(description="氏名（reviewer's name）", examples=["山田 太郎"])
    email: str = Field(
        description="メールアドレス（the reviewer's e-mail address）",
        examples=["yamada@example.ac.jp"],
    )
    organisation: str = Field(
        description="所属（organisation, as registered）", examples=["早稲田大学"]
    )
    organisation_key: str = Field(
        description="所属の検索キー（normalised search key of the organisation: NFKC, "
        "katakana as hiragana, no spaces）",
        examples=["早稲田大学"],
    )
    lg_code: str | None = Field(description=REVIEWER_LG_CODE, examples=[None])
    programme: str | None = Field(
        description="担当事業の id（registry programme id; null: continuation review only）",
        examples=["mirai-gijutsu"],
    )
    programme_mark: str | None = Field(
        description="担当事業の記号（the programme's mark, resolved once at registration）",
        examples=["☆"],
    )
    created_at: TokyoDatetime = Field(
        description="登録日時（registered at）", examples=["2021-10-01T09:30:00+09:00"]
    )
    version: int = Field(description=field_help.VERSION, examples=[1])
