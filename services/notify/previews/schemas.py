"""A letter rendered for one recipient, nothing sent."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from libs.common.named_schema import Named
from services.notify import schema_examples as ex
from services.notify.letters.kinds import KINDS, kinds_help

# Every kind notify writes: the service checks the name itself (a 422 `kind` listing them).
LetterKind = Annotated[
    str,
    Field(max_length=40),
    Named(
        "LetterKind",
        "書面の種類（kind of letter: its templates and the context keys they read）",
        enum=list(KINDS),
    ),
]


class PreviewRecipient(BaseModel):
    name: str = Field(
        default="", max_length=200, description="宛名（the recipient's name）", examples=[ex.NAME]
    )
    email: str = Field(
        max_length=320,
        json_schema_extra={"format": "email"},
        description="宛先メールアドレス（checked as an address, 422 rule `email`）",
        examples=[ex.EMAIL],
    )


class PreviewRequest(BaseModel):
    kind: LetterKind = Field(
        description=f"書面の種類（kind）: {kinds_help(KINDS.values())}",
        examples=["symposium_invitation"],
    )
    context: dict[str, Any] = Field(
        description="書面の文脈（what the kind's templates read: see `kind`）",
        examples=[{"symposium": ex.SYMPOSIUM}],
    )
    recipient: PreviewRecipient = Field(
        description="宛先（the one recipient the letter is rendered for; personal links are "
        "placeholders）"
    )


class PreviewOut(BaseModel):
    subject: str = Field(description="件名（subject）", examples=[ex.SUBJECT])
    text: str = Field(description="本文（the plain-text part, whole）", examples=[ex.TEXT])
    html: str = Field(description="本文 HTML（the HTML part, whole）", examples=[ex.HTML])
