"""The path and query parameters notify's routes share, each described once for the contract."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path

from services.notify import schema_examples as ex

CampaignId = Annotated[
    uuid.UUID, Path(description="キャンペーンID（campaign id）", examples=[ex.CAMPAIGN_ID])
]
SymposiumId = Annotated[
    uuid.UUID,
    Path(
        description="台帳のシンポジウムID（the registry's symposium id）",
        examples=[ex.SYMPOSIUM_ID],
    ),
]
DeliveryId = Annotated[
    uuid.UUID, Path(description="配信ID（delivery id）", examples=[ex.DELIVERY_ID])
]
MessageId = Annotated[
    uuid.UUID, Path(description="メッセージID（message id）", examples=[ex.MESSAGE_ID])
]
RsvpToken = Annotated[
    str,
    Path(
        description="出欠回答リンクのトークン（the signed RSVP link from the letter: valid until "
        "the symposium ends）"
    ),
]
UnsubscribeToken = Annotated[
    str,
    Path(
        description="配信停止リンクのトークン（the signed unsubscribe link from the letter: valid "
        "for a year from mailing）"
    ),
]
