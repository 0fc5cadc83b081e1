"""Transactional messages (decision letters, reminders, results) as the API takes and shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.notify.deliveries.schemas import DeliveryOut
from services.notify.letters.kinds import KINDS

KIND_HELP = "; ".join(
    f"{k.name}: {k.description} (context: {', '.join(k.required)}"
    + (f"; optional {', '.join(k.optional)}" if k.optional else "")
    + ")"
    for k in KINDS.values()
    if not k.symposium
)


class MessageRecipient(BaseModel):
    name: str = Field(default="", max_length=200, examples=["秩父 花子"])
    email: str = Field(max_length=320, examples=["hanako.chichibu@example.jp"])
    contact_id: uuid.UUID | None = Field(default=None, description="The registry's contact, if any")


class MessageCreate(BaseModel):
    kind: str = Field(description=KIND_HELP, examples=["continuation_decision"])
    dedupe_key: str = Field(
        min_length=1,
        max_length=200,
        description="The producer's key for this message: a second message with it sends nothing",
        examples=["continuation-decision:7d9f0c3e-4b1a-4c55-9b0e-2f6a1d3c8e21"],
    )
    context: dict[str, Any] = Field(
        description="What the kind's templates read (see kind)",
        examples=[
            {
                "project_name": "秩父市 ドローン物流実装事業",
                "local_government": "秩父市",
                "decision": "approved",
                "decided_on": "2021-12-17",
                "term_end": "2024-03-31",
            }
        ],
    )
    recipients: list[MessageRecipient] = Field(min_length=1, max_length=1000)


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str = Field(examples=["continuation_decision"])
    dedupe_key: str
    context: dict[str, Any]
    created_at: datetime
    counts: dict[str, int] = Field(
        description="Deliveries by state", examples=[{"sent": 2, "queued": 1}]
    )
    deliveries: list[DeliveryOut]
