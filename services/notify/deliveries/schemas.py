"""配信 and bounce reports as the API shows them."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.common.japanese_input import TokyoDatetime
from libs.common.named_schema import Named
from services.notify import schema_examples as ex
from services.notify.deliveries.states import DELIVERY

# The state machine's own labels (docs/notify.md shows the same), so the contract cannot drift.
STATE_HELP = ", ".join(f"{state} {label}" for state, label in DELIVERY.labels.items())
DeliveryState = Annotated[
    Literal["queued", "sending", "sent", "retrying", "failed", "bounced", "suppressed"],
    Named("DeliveryState", f"配信の状態（delivery state）: {STATE_HELP}"),
]


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
LETTER_KIND = (
    "書面の種類（the letter's kind: a symposium letter `symposium_…`, or a transactional "
    "message's kind, see POST /v1/messages）"
)


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="配信ID（delivery id）", examples=[ex.DELIVERY_ID])
    campaign_id: uuid.UUID | None = Field(
        description="キャンペーンID（the campaign it belongs to; null for a transactional "
        "message's delivery）",
        examples=[None],
    )
    message_id: uuid.UUID | None = Field(
        description="メッセージID（the transactional message it belongs to, a resend included; "
        "null for a campaign's delivery）",
        examples=[ex.MESSAGE_ID],
    )
    kind: str = Field(description=LETTER_KIND, examples=["continuation_decision"])
    contact_id: uuid.UUID | None = Field(
        description="宛先の連絡先（the registry contact written to; null when the producer "
        "named none）",
        examples=[ex.CONTACT_ID],
    )
    email: str = Field(
        description="宛先メールアドレス（the address as written, the one the letter goes to）",
        examples=[ex.EMAIL],
    )
    name: str = Field(description="宛名（the recipient's name; may be empty）", examples=[ex.NAME])
    state: DeliveryState = Field(description="配信の状態（delivery state）", examples=["sent"])
    attempts: int = Field(
        description="送信を試みた回数（SMTP attempts so far: each claim by the sender counts one）",
        examples=[1],
    )
    next_attempt_at: TokyoDatetime | None = Field(
        description="次の送信予定日時（when a `retrying` delivery is tried again; null otherwise）",
        examples=[None],
    )
    last_error: str | None = Field(
        description="直近の失敗理由（the last failed attempt's SMTP answer, a bounce's reason, "
        "or why the delivery was not sent; null when sent）",
        examples=[None],
    )
    smtp_message_id: str = Field(
        description="送信したメールの Message-ID（the Message-ID header of what was sent, the same "
        "on every attempt; bounces are matched by it）",
        examples=["<3c9e0f6a-8d21-4b57-a0e4-6f2d1c8b7a95@example.jp>"],
    )
    sent_at: TokyoDatetime | None = Field(
        description="送信日時（when the SMTP server took it; null until sent）",
        examples=[ex.DELIVERED_AT],
    )
    created_at: TokyoDatetime = Field(
        description="作成日時（written at）", examples=[ex.RECEIVED_AT]
    )
    updated_at: TokyoDatetime = Field(
        description="更新日時（last changed at）", examples=[ex.DELIVERED_AT]
    )


class ResendIn(BaseModel):
    """再送の理由: why this person's letter goes again (recorded in the audit trail)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        max_length=500,
        description="再送の理由（why the letter goes again; kept in the audit trail with who and "
        "when）",
        examples=["迷惑メールフォルダに入っていたとの連絡があったため"],
    )


class BounceWebhook(BaseModel):
    """A mail provider's bounce notification."""

    model_config = ConfigDict(str_strip_whitespace=True)

    email: str = Field(
        max_length=320,
        json_schema_extra={"format": "email"},
        description="不達になったメールアドレス（the address that bounced; checked as an "
        "address, 422 rule `email`）",
        examples=["old.address@example.jp"],
    )
    type: BounceType = Field(
        description="不達の種類（hard: permanent, suppresses the address; soft: ignored）",
        examples=["hard"],
    )
    # Required and not blank: a suppression without words cannot be explained to the person or
    # weighed against what they said before (docs/notify.md, suppression reasons).
    reason: str = Field(
        min_length=1,
        max_length=2000,
        description="不達の理由（the provider's words, SMTP reply or diagnostic: required, not "
        "blank）",
        examples=["550 5.1.1 user unknown"],
    )
    message_id: str | None = Field(
        default=None,
        max_length=300,
        description="不達になったメールの Message-ID（of the bounced message, when the provider "
        "reports it; else the latest delivery sent to the address is marked）",
        examples=["<3c9e0f6a-8d21-4b57-a0e4-6f2d1c8b7a95@example.jp>"],
    )


class BounceOutcome(BaseModel):
    email: str = Field(
        description="報告されたメールボックス（the address reported, as its identity key: "
        "lower case）",
        examples=["old.address@example.jp"],
    )
    type: BounceType = Field(description="不達の種類（bounce type）", examples=["hard"])
    action: BounceAction = Field(
        description="対応（what was done: suppressed, a hard bounce now suppressed here and in "
        "the registry）",
        examples=["suppressed"],
    )
    delivery_id: uuid.UUID | None = Field(
        description="不達にした配信（the delivery marked bounced; null when none was found）",
        examples=[ex.DELIVERY_ID],
    )


class BounceResult(BaseModel):
    outcomes: list[BounceOutcome] = Field(
        description="報告ごとの結果（one outcome per bounce reported, in the report's order）"
    )
