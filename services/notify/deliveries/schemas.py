"""配信 and bounce reports as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.common.named_schema import Named

DeliveryState = Annotated[
    Literal["queued", "sending", "sent", "retrying", "failed", "bounced", "suppressed"],
    Named(
        "DeliveryState",
        "配信の状態（delivery state）: queued 待機, sending 送信中, sent 送信済み, "
        "retrying 再試行待ち, failed 失敗, bounced 不達, suppressed 配信停止中のため送らず",
    ),
]
STATE_HELP = (
    "queued 送信待ち, sending 送信中, sent 送信済み, retrying 再送待ち, failed 送信失敗, "
    "bounced 不達, suppressed 配信停止中のため送信せず"
)


BounceType = Annotated[
    Literal["hard", "soft"],
    Named(
        "BounceType",
        "不達の種類（bounce type）: hard 恒久的（配信停止にする）, soft 一時的（記録のみ）",
    ),
]
BounceAction = Annotated[
    Literal["suppressed", "already_suppressed", "ignored"],
    Named(
        "BounceAction",
        "不達報告への対応（what the report did）: suppressed 配信停止にした, "
        "already_suppressed 停止済み, ignored 一時的な不達のため記録のみ",
    ),
]


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    campaign_id: uuid.UUID | None
    message_id: uuid.UUID | None
    kind: str = Field(examples=["continuation_decision"])
    contact_id: uuid.UUID | None
    email: str = Field(examples=["hanako.chichibu@example.jp"])
    name: str = Field(examples=["秩父 花子"])
    state: DeliveryState = Field(description=STATE_HELP)
    attempts: int = Field(examples=[1])
    next_attempt_at: datetime | None
    last_error: str | None = Field(examples=[None])
    smtp_message_id: str = Field(
        description="The Message-ID header of what was sent", examples=["<5f1c…@jisso>"]
    )
    sent_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ResendIn(BaseModel):
    """再送の理由: why this person's letter goes again (recorded in the audit trail)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        max_length=500,
        examples=["迷惑メールフォルダに入っていたとの連絡があったため"],
    )


class BounceWebhook(BaseModel):
    """A mail provider's bounce notification."""

    model_config = ConfigDict(str_strip_whitespace=True)

    email: str = Field(max_length=320, examples=["old.address@example.jp"])
    type: BounceType = Field(description="hard: permanent (suppresses); soft: ignored")
    # Required and not blank: a suppression without words cannot be explained to the person or
    # weighed against what they said before (docs/notify.md, suppression reasons).
    reason: str = Field(
        min_length=1,
        max_length=2000,
        description="The provider's words (SMTP reply or diagnostic): required, not blank",
        examples=["550 5.1.1 user unknown"],
    )
    message_id: str | None = Field(
        default=None,
        max_length=300,
        description="Message-ID of the bounced message, when the provider reports it",
        examples=["<5f1c…@jisso>"],
    )


class BounceOutcome(BaseModel):
    email: str
    type: BounceType
    action: BounceAction = Field(
        description="suppressed: a hard bounce, now suppressed here and in the registry"
    )
    delivery_id: uuid.UUID | None = Field(description="The delivery marked bounced, if found")


class BounceResult(BaseModel):
    outcomes: list[BounceOutcome]
