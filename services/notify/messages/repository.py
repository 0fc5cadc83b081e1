"""All SQL of transactional messages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.deliveries.models import Delivery, Suppression
from services.notify.deliveries.states import DeliveryState
from services.notify.letters.mime import new_message_id
from services.notify.messages.models import Message


@dataclass(frozen=True)
class NewDelivery:
    dedupe_key: str
    email: str  # as written: sent to
    email_key: str  # the mailbox's identity: compared with suppressions
    name: str
    contact_id: uuid.UUID | None


async def insert_message(
    session: AsyncSession, *, kind: str, dedupe_key: str, context: dict[str, Any]
) -> uuid.UUID | None:
    """The new message's id, or None when one with this key exists (a concurrent twin waits on
    the unique index until the first commits, then finds it here)."""
    result = await session.execute(
        pg_insert(Message)
        .values(id=uuid.uuid4(), kind=kind, dedupe_key=dedupe_key, context=context)
        .on_conflict_do_nothing(index_elements=[Message.dedupe_key])
        .returning(Message.id)
    )
    return result.scalar_one_or_none()


async def by_dedupe_key(session: AsyncSession, dedupe_key: str) -> Message | None:
    return await session.scalar(select(Message).where(Message.dedupe_key == dedupe_key))


async def get(session: AsyncSession, message_id: uuid.UUID) -> Message | None:
    return await session.get(Message, message_id)


async def suppressed_among(session: AsyncSession, email_keys: Sequence[str]) -> set[str]:
    """The identity keys among ``email_keys`` that are suppressed."""
    query = select(Suppression.email).where(Suppression.email.in_(email_keys))
    return set((await session.scalars(query)).all())


async def insert_deliveries(
    session: AsyncSession,
    *,
    message_id: uuid.UUID,
    kind: str,
    recipients: Sequence[NewDelivery],
    suppressed: set[str],
    message_id_domain: str,
) -> None:
    rows = [
        {
            "id": uuid.uuid4(),
            "message_id": message_id,
            "dedupe_key": r.dedupe_key,
            "kind": kind,
            "contact_id": r.contact_id,
            "email": r.email,
            "email_key": r.email_key,
            "name": r.name,
            "state": (
                DeliveryState.suppressed if r.email_key in suppressed else DeliveryState.queued
            ),
            "attempts": 0,
            "smtp_message_id": new_message_id(message_id_domain),
        }
        for r in recipients
    ]
    await session.execute(pg_insert(Delivery).values(rows).on_conflict_do_nothing())


async def deliveries_of(session: AsyncSession, message_id: uuid.UUID) -> list[Delivery]:
    rows = await session.scalars(
        select(Delivery).where(Delivery.message_id == message_id).order_by(Delivery.email_key)
    )
    return list(rows.all())
