"""Rules of transactional messages: one per producer key, one delivery per distinct address."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import InvalidInput, NotFound
from libs.common.outbox import add_message
from services.notify.config import get_notify_settings
from services.notify.deliveries.models import Delivery
from services.notify.deliveries.service import SEND_JOB
from services.notify.letters.addresses import mailbox
from services.notify.letters.rendering import Recipient, kind_of, render_message
from services.notify.messages import repository
from services.notify.messages.models import Message
from services.notify.messages.repository import NewDelivery
from services.notify.models import outbox

_DEDUPE_KEY_LENGTH = 300  # the deliveries column


@dataclass(frozen=True)
class Created:
    message: Message
    created: bool  # False: the key was known, nothing new was queued


def delivery_dedupe_key(dedupe_key: str, email_key: str) -> str:
    """One key per (message, mailbox): built from the identity key, never a spelling."""
    key = f"message:{dedupe_key}:{email_key}"
    if len(key) <= _DEDUPE_KEY_LENGTH:
        return key
    # A very long key and address still make one stable key per (message, address).
    return "message:sha256:" + hashlib.sha256(f"{dedupe_key}\0{email_key}".encode()).hexdigest()


async def create_message(
    session: AsyncSession,
    *,
    kind: str,
    dedupe_key: str,
    context: dict[str, Any],
    recipients: list[dict[str, Any]],
) -> Created:
    """Queue a message to each distinct recipient and schedule the sender, or, for a key already
    seen with the same kind and context, return the first message untouched (a different one is
    refused: ``dedupe_key_reused``). Suppressed addresses get a ``suppressed`` row."""
    spec = kind_of(kind)
    if spec.symposium:
        raise InvalidInput.field(
            "body.kind",
            "kind",
            "シンポジウムの案内はキャンペーンから送信してください（use /v1/campaigns）",
        )
    unique = _distinct_recipients(dedupe_key, recipients)
    # Render once now: a context the templates cannot use is the producer's 422, not a failed send.
    first = unique[0]
    render_message(kind, context=context, recipient=Recipient(first.name, first.email), links={})
    message_id = await repository.insert_message(
        session, kind=kind, dedupe_key=dedupe_key, context=context
    )
    if message_id is None:
        existing = await repository.by_dedupe_key(session, dedupe_key)
        assert existing is not None
        _check_same_message(existing, kind=kind, context=context)
        return Created(existing, created=False)
    suppressed = await repository.suppressed_among(session, [r.email_key for r in unique])
    await repository.insert_deliveries(
        session,
        message_id=message_id,
        kind=kind,
        recipients=unique,
        suppressed=suppressed,
        message_id_domain=get_notify_settings().message_id_domain,
    )
    if len(suppressed) < len(unique):
        await add_message(
            session,
            outbox,
            queue="notify",
            function=SEND_JOB,
            payload={"message_id": str(message_id)},
        )
    message = await repository.get(session, message_id)
    assert message is not None
    return Created(message, created=True)


def _check_same_message(existing: Message, *, kind: str, context: dict[str, Any]) -> None:
    """A known key answers with its first message only when the letter is the same one (同一内容):
    a corrected letter under the old key would otherwise be dropped without a word, as the
    registry refuses a reused Idempotency-Key. Compared as JSON values, so key order and the
    JSONB round trip do not matter."""
    if existing.kind == kind and existing.context == context:
        return
    raise InvalidInput.field(
        "body.dedupe_key",
        "dedupe_key_reused",
        f"この dedupe_key（{existing.dedupe_key}）は別の内容のメッセージに使われています。"
        "訂正は新しい dedupe_key で送ってください"
        "（the key was used for a different message: send a correction under a new key）",
        dedupe_key=existing.dedupe_key,
    )


def _distinct_recipients(dedupe_key: str, recipients: list[dict[str, Any]]) -> list[NewDelivery]:
    """One delivery per mailbox, written to as the first recipient naming it spelt it."""
    seen: dict[str, NewDelivery] = {}
    for index, recipient in enumerate(recipients):
        box = mailbox(str(recipient["email"]), f"body.recipients.{index}.email")
        contact_id = recipient.get("contact_id")
        seen.setdefault(
            box.key,
            NewDelivery(
                dedupe_key=delivery_dedupe_key(dedupe_key, box.key),
                email=box.address,
                email_key=box.key,
                name=str(recipient.get("name") or ""),
                contact_id=uuid.UUID(str(contact_id)) if contact_id else None,
            ),
        )
    return list(seen.values())


async def get_message(
    session: AsyncSession, message_id: uuid.UUID
) -> tuple[Message, list[Delivery]]:
    message = await repository.get(session, message_id)
    if message is None:
        raise NotFound(f"メッセージが見つかりません（no message {message_id}）")
    return message, await repository.deliveries_of(session, message_id)


def counts(deliveries: list[Delivery]) -> dict[str, int]:
    return dict(Counter(d.state for d in deliveries))
