"""配信 — one row per (campaign or message, recipient): the unit that is sent exactly once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, validates

from libs.common.db import state_type
from libs.common.email_identity import address_key
from services.notify.deliveries.states import DeliveryState
from services.notify.models import Base


class Delivery(Base):
    """States (``states.py``): queued → sending → sent | retrying → … | failed | bounced |
    suppressed.

    ``sending`` is committed before the message's final DATA terminator is written and ``sent``
    before it is acknowledged, so a crash leaves no row that the SMTP server may have accepted
    unrecorded (see services/notify/deliveries/sender.py).

    ``email`` is the address as written, sent to; ``email_key`` is the mailbox's identity
    (services/notify/letters/addresses.py), which suppressions, bounces and de-duplication
    compare."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id"),
        # One letter per mailbox per campaign, whatever spellings or contacts the audience held.
        UniqueConstraint("campaign_id", "email_key"),
        Index("ix_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # Exactly one of campaign_id / message_id is set.
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[uuid.UUID | None] = mapped_column()
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[DeliveryState] = mapped_column(
        state_type(DeliveryState, 20), default=DeliveryState.queued
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    smtp_message_id: Mapped[str] = mapped_column(String(300), unique=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    @validates("email")
    def _keep_email_key(self, _: str, email: str) -> str:
        # Set with the address, whoever sets it: the key can never lag behind the address.
        self.email_key = address_key(email)
        return email


class Suppression(Base):
    """A mailbox notify must not write to (unsubscribed, hard bounce), mirrored to the registry."""

    __tablename__ = "suppressions"

    # The mailbox's identity key (address_key), never a spelling: a suppression of one spelling
    # is a suppression of them all.
    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    # The effective (strongest) kind and its words; ``reasons`` keeps every report with when and
    # who (libs/common/suppression.py): a later bounce never hides an unsubscribe.
    state: Mapped[str] = mapped_column(String(20))  # unsubscribed | bounced
    reason: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
