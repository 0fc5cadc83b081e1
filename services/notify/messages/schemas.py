"""Transactional messages (decision letters, reminders, results) as the API takes and shows them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from libs.common.japanese_input import TokyoDatetime
from libs.common.named_schema import Named
from services.notify import schema_examples as ex
from services.notify.deliveries.schemas import LETTER_KIND, DeliveryOut
from services.notify.letters.kinds import KINDS, kinds_help

TRANSACTIONAL = [k for k in KINDS.values() if not k.symposium]
KIND_HELP = kinds_help(TRANSACTIONAL)
# The kinds a producer may send: the service checks the name itself (a 422 `kind` listing the
# known kinds, and one saying symposium letters go through campaigns); the column holds 40.
TransactionalKind = Annotated[
    str,
    Field(max_length=40),
    Named(
        "TransactionalKind",
        "個別メッセージの種類（kind of transactional letter; symposium letters are sent by "
        "campaigns）",
        enum=[k.name for k in TRANSACTIONAL],
    ),
]
CONTEXT_EXAMPLE = {
    "project_name": "秩父市 ドローン物流実装事業",
    "local_government": "秩父市",
    "decision": "approved",
    "decided_on": "2021-12-17",
    "term_end": "2024-03-31",
}
DEDUPE_KEY_EXAMPLE = "continuation-decision:7d9f0c3e-4b1a-4c55-9b0e-2f6a1d3c8e21"


class MessageRecipient(BaseModel):
    name: str = Field(
        default="", max_length=200, description="宛名（the recipient's name）", examples=[ex.NAME]
    )
    email: str = Field(
        max_length=320,
        json_schema_extra={"format": "email"},
        description="宛先メールアドレス（written to as given; checked as an address, 422 rule "
        "`email`; one delivery per mailbox, the first spelling given wins）",
        examples=[ex.EMAIL],
    )
    contact_id: uuid.UUID | None = Field(
        default=None,
        description="台帳の連絡先（the registry's contact, if any）",
        examples=[ex.CONTACT_ID],
    )


class MessageCreate(BaseModel):
    kind: TransactionalKind = Field(
        description=f"メッセージの種類（kind）: {KIND_HELP}", examples=["continuation_decision"]
    )
    dedupe_key: str = Field(
        min_length=1,
        max_length=200,
        description="重複防止キー（the producer's key for this message: a second message with it "
        "and the same kind and context sends nothing; with another, a 422 "
        "`dedupe_key_reused`）",
        examples=[DEDUPE_KEY_EXAMPLE],
    )
    context: dict[str, Any] = Field(
        description="書面の文脈（what the kind's templates read: see `kind`）",
        examples=[CONTEXT_EXAMPLE],
    )
    recipients: list[MessageRecipient] = Field(
        min_length=1,
        max_length=1000,
        description="宛先（recipients: one delivery per distinct mailbox; a suppressed one is "
        "recorded, not written to）",
    )


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="メッセージID（message id）", examples=[ex.MESSAGE_ID])
    kind: str = Field(description=LETTER_KIND, examples=["continuation_decision"])
    dedupe_key: str = Field(
        description="重複防止キー（the producer's key, or `resend:<delivery id>:<n>` for a "
        "letter sent again）",
        examples=[DEDUPE_KEY_EXAMPLE],
    )
    context: dict[str, Any] = Field(
        description="書面の文脈（the context the letters were rendered from）",
        examples=[CONTEXT_EXAMPLE],
    )
    created_at: TokyoDatetime = Field(
        description="受付日時（received at）", examples=[ex.RECEIVED_AT]
    )
    counts: dict[str, int] = Field(
        description="配信の状態ごとの件数（deliveries by state; a state without deliveries is "
        "absent）",
        examples=[{"sent": 2, "queued": 1}],
    )
    deliveries: list[DeliveryOut] = Field(description="配信（one per distinct mailbox）")
