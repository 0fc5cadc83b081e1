"""Rules of answers: capacity and the waitlist, promotion when a place frees, unsubscribes.

Every answer to a symposium runs under that symposium's lock, so concurrent acceptances never take
more places than the registry's capacity allows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.email_identity import address_key
from libs.common.errors import NotFound
from libs.common.queue import utcnow
from libs.common.settings import Settings
from services.notify.deliveries.service import queue_letter, suppress_and_mirror
from services.notify.letters.addresses import mailbox
from services.notify.letters.links import InvalidLink, LinkClaims, verify_link
from services.notify.letters.textformat import as_instant
from services.notify.messages.service import delivery_dedupe_key
from services.notify.models import outbox
from services.notify.registry_client import RegistryClient
from services.notify.rsvp import repository
from services.notify.rsvp.models import Rsvp

Answer = Literal["attend", "decline"]
PROMOTED_KIND = "symposium_waitlist_promoted"
CONFIRMATION_KIND = "symposium_rsvp_confirmation"
# The dedupe key's prefix per letter: "rsvp-promoted:<rsvp id>:v<version>".
LETTER_KEYS = dict(zip((PROMOTED_KIND, CONFIRMATION_KIND), repository.LETTER_PREFIXES, strict=True))


@dataclass(frozen=True)
class Outcome:
    """What the confirmation page tells the person."""

    response: str  # attending | waitlisted | declined | cancelled (the symposium was called off)
    position: int | None  # place on the waitlist
    changed: bool  # False when the same answer was already recorded
    symposium: dict[str, Any]


@dataclass(frozen=True)
class LinkHolder:
    """The person a link was mailed to (宛先): the contact it names and that contact's address."""

    contact_id: uuid.UUID
    email: str  # canonical, as the contact wrote it (shown on pages, written to)
    symposium_id: uuid.UUID | None

    @property
    def email_key(self) -> str:
        """The mailbox's identity: answers and suppressions are keyed by it."""
        return address_key(self.email)


async def read_rsvp_link(settings: Settings, registry: RegistryClient, token: str) -> LinkHolder:
    claims = verify_link(settings, token, action="rsvp")
    if claims.symposium_id is None:
        raise InvalidLink("このリンクはシンポジウムを示していません（the link names no symposium）")
    return await _holder(registry, claims)


async def read_unsubscribe_link(
    settings: Settings, registry: RegistryClient, token: str
) -> LinkHolder:
    return await _holder(registry, verify_link(settings, token, action="unsubscribe"))


async def _holder(registry: RegistryClient, claims: LinkClaims) -> LinkHolder:
    """The link carries the contact's id, not its address (a reader of the link learns nothing)."""
    try:
        contact = await registry.contact(claims.contact_id)
    except NotFound as exc:
        raise InvalidLink(
            "このリンクの連絡先はもう登録されていません"
            "（the contact of this link no longer exists）"
        ) from exc
    address = mailbox(contact["email"]).address
    return LinkHolder(claims.contact_id, address, claims.symposium_id)


async def symposium_of(registry: RegistryClient, holder: LinkHolder) -> dict[str, Any]:
    """The symposium as the registry has it now; its link works until its *current* end."""
    assert holder.symposium_id is not None
    try:
        symposium = await registry.symposium(holder.symposium_id)
    except NotFound as exc:
        raise InvalidLink(
            "このリンクのシンポジウムはもう登録されていません"
            "（the symposium of this link no longer exists）"
        ) from exc
    # Not the end baked into the token at mailing time: a symposium moved later keeps its links.
    if as_instant(symposium["ends_at"]) <= utcnow():
        raise InvalidLink(
            "このシンポジウムは終了したため、出欠のご回答は締め切りました"
            "（the symposium has ended: answers are closed）"
        )
    return symposium


async def current_answer(session: AsyncSession, holder: LinkHolder) -> Rsvp | None:
    assert holder.symposium_id is not None
    return await repository.get(session, holder.symposium_id, holder.email_key)


async def respond(
    session: AsyncSession, *, symposium: dict[str, Any], holder: LinkHolder, answer: Answer
) -> Outcome:
    """Record attend or decline; a full symposium puts an acceptance on the waitlist."""
    if symposium.get("status") == "cancelled":
        return Outcome("cancelled", None, False, symposium)
    symposium_id = uuid.UUID(str(symposium["id"]))
    await repository.lock_symposium(session, symposium_id)
    capacity = symposium.get("capacity")
    # A place may have freed without a decline (capacity raised): the line goes first.
    await fill_from_waitlist(session, symposium, capacity)
    rsvp = await repository.get(session, symposium_id, holder.email_key)
    before = rsvp.response if rsvp is not None else None
    if rsvp is None:
        name = await repository.invited_name(session, symposium_id, holder.email_key)
        rsvp = Rsvp(
            symposium_id=symposium_id, contact_id=holder.contact_id, email=holder.email, name=name
        )
    if answer == "attend":
        await _accept(session, rsvp, before, capacity)
    else:
        rsvp.response = "declined"
    if before is None:
        await repository.add(session, rsvp)
    await repository.save(session)
    if before == "attending" and rsvp.response == "declined":
        await fill_from_waitlist(session, symposium, capacity)
    position = (
        await repository.waitlist_position(session, rsvp) if rsvp.response == "waitlisted" else None
    )
    if before is not None and before != rsvp.response:
        await repository.withdraw_unsent_letters(session, rsvp.id)
    if before != rsvp.response and rsvp.response in ("attending", "waitlisted"):
        extra = {"response": rsvp.response, "position": position}
        # The line holds no place: its letter does not hand out the join URL (the promotion does).
        told = symposium if rsvp.response == "attending" else {**symposium, "join_url": None}
        await _tell(session, rsvp, told, CONFIRMATION_KIND, extra)
    return Outcome(rsvp.response, position, before != rsvp.response, symposium)


async def _accept(
    session: AsyncSession, rsvp: Rsvp, before: str | None, capacity: int | None
) -> None:
    if before in ("attending", "waitlisted"):
        return  # the same acceptance again keeps its place (in the hall or in line)
    rsvp.requested_at = utcnow()
    attending = await repository.count(session, rsvp.symposium_id, "attending")
    rsvp.response = "attending" if capacity is None or attending < capacity else "waitlisted"


async def fill_from_waitlist(
    session: AsyncSession, symposium: dict[str, Any], capacity: int | None
) -> list[uuid.UUID]:
    """Move the first in line into free places, telling each of them by mail; their answers'
    ids. The one promotion path: a decline, a raised capacity (rsvp/capacity.py)."""
    symposium_id = uuid.UUID(str(symposium["id"]))
    if capacity is None:
        free = await repository.count(session, symposium_id, "waitlisted")
    else:
        free = capacity - await repository.count(session, symposium_id, "attending")
    if free <= 0:
        return []
    promoted = await repository.first_waitlisted(session, symposium_id, limit=free)
    for rsvp in promoted:
        rsvp.response = "attending"
        await repository.save(session)
        await repository.withdraw_unsent_letters(session, rsvp.id)  # "you are waitlisted"
        await _tell(session, rsvp, symposium, PROMOTED_KIND)
    return [rsvp.id for rsvp in promoted]


async def _tell(
    session: AsyncSession,
    rsvp: Rsvp,
    symposium: dict[str, Any],
    kind: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """A transactional letter about this answer (a promotion, a confirmation) through the same
    delivery rows and guarantees as any other; one per version of the answer."""
    key = f"{LETTER_KEYS[kind]}:{rsvp.id}:v{rsvp.version}"
    await queue_letter(
        session,
        kind=kind,
        dedupe_key=key,
        delivery_key=delivery_dedupe_key(key, rsvp.email_key),
        context={"symposium": symposium, **(extra or {})},
        contact_id=rsvp.contact_id,
        email=rsvp.email,
        name=rsvp.name,
    )


async def rsvp_summary(session: AsyncSession, symposium_id: uuid.UUID) -> dict[str, int]:
    counts = await repository.summary(session, symposium_id)
    return {r: counts.get(r, 0) for r in ("attending", "waitlisted", "declined")}


async def unsubscribe(session: AsyncSession, *, holder: LinkHolder, reason: str) -> bool:
    """Suppress the address here and, through the outbox, in the registry. True if it is new."""
    return await suppress_and_mirror(
        session,
        outbox,
        email=holder.email,
        reason=reason,
        contact_id=holder.contact_id,
        state="unsubscribed",
        by="recipient",
    )
