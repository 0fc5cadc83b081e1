"""All SQL of campaigns: the set-based insert of their deliveries, counts by state, reminder
targets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, delete, func, select, text, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.email_identity import address_key
from libs.common.errors import Conflict
from services.notify.campaigns.audiences import Audience
from services.notify.campaigns.models import Campaign
from services.notify.campaigns.states import ANNOUNCED
from services.notify.deliveries.models import Delivery
from services.notify.deliveries.states import DeliveryState
from services.notify.rsvp.models import Rsvp


@dataclass(frozen=True)
class Recipient:
    contact_id: uuid.UUID
    email: str  # canonical: as written, sent to
    name: str

    @property
    def email_key(self) -> str:
        """The mailbox's identity: de-duplication and suppression compare it, never ``email``."""
        return address_key(self.email)


async def add(session: AsyncSession, campaign: Campaign) -> None:
    session.add(campaign)
    await session.flush()


async def get(
    session: AsyncSession, campaign_id: uuid.UUID, *, lock: bool = False
) -> Campaign | None:
    query = select(Campaign).where(Campaign.id == campaign_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def save(session: AsyncSession) -> None:
    await session.flush()


async def refresh(session: AsyncSession, campaign: Campaign) -> None:
    await session.refresh(campaign)


# One statement for the whole audience: 20,000 rows are one round trip, not 20,000. Suppressed
# mailboxes are left out here, in the same snapshot the rows are written in; a contact or a
# mailbox already present (a retried request, a second spelling) is skipped by the unique keys.
_INSERT_DELIVERIES = text(
    """
    INSERT INTO notify.deliveries
        (id, campaign_id, dedupe_key, kind, contact_id, email, email_key, name, state, attempts,
         smtp_message_id, created_at, updated_at)
    SELECT gen_random_uuid(), :campaign_id, 'campaign:' || :campaign_key || ':' || r.contact_id,
           :kind, r.contact_id, r.email, r.email_key, r.name, :state, 0,
           '<' || gen_random_uuid() || '@' || :message_id_domain || '>', now(), now()
    FROM unnest(CAST(:contact_ids AS uuid[]), CAST(:emails AS text[]),
                CAST(:email_keys AS text[]), CAST(:names AS text[]))
         AS r(contact_id, email, email_key, name)
    WHERE NOT EXISTS (SELECT 1 FROM notify.suppressions s WHERE s.email = r.email_key)
    ON CONFLICT DO NOTHING
    """
)


async def insert_deliveries(
    session: AsyncSession,
    *,
    campaign_id: uuid.UUID,
    kind: str,
    recipients: Sequence[Recipient],
    message_id_domain: str,
) -> int:
    """Queue one delivery per recipient; returns how many rows were written. Message-IDs are
    ``<uuid@message_id_domain>``, as ``letters.mime.new_message_id`` mints them."""
    if not recipients:
        return 0
    result = await session.execute(
        _INSERT_DELIVERIES,
        {
            "campaign_id": campaign_id,
            "campaign_key": str(campaign_id),
            "kind": kind,
            "state": DeliveryState.queued.value,
            "message_id_domain": message_id_domain,
            "contact_ids": [r.contact_id for r in recipients],
            "emails": [r.email for r in recipients],
            "email_keys": [r.email_key for r in recipients],
            "names": [r.name for r in recipients],
        },
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def first_delivery(session: AsyncSession, campaign_id: uuid.UUID) -> Delivery | None:
    query = (
        select(Delivery)
        .where(Delivery.campaign_id == campaign_id)
        .order_by(Delivery.email_key)
        .limit(1)
    )
    return await session.scalar(query)


async def counts_by_state(
    session: AsyncSession, campaign_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    counts: dict[uuid.UUID, dict[str, int]] = {cid: {} for cid in campaign_ids}
    if not campaign_ids:
        return counts
    query = (
        select(Delivery.campaign_id, Delivery.state, func.count())
        .where(Delivery.campaign_id.in_(list(campaign_ids)))
        .group_by(Delivery.campaign_id, Delivery.state)
    )
    for campaign_id, state, count in (await session.execute(query)).all():
        assert campaign_id is not None  # filtered by the IN above
        counts[campaign_id][state] = int(count)
    return counts


async def list_campaigns(
    session: AsyncSession,
    *,
    symposium_id: uuid.UUID | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Campaign]:
    query = select(Campaign).order_by(Campaign.created_at, Campaign.id).limit(limit)
    if symposium_id is not None:
        query = query.where(Campaign.symposium_id == symposium_id)
    if after is not None:
        query = query.where(tuple_(Campaign.created_at, Campaign.id) > tuple_(*after))
    return list((await session.scalars(query)).all())


async def invited_symposia(session: AsyncSession, *, starting_after: datetime) -> list[uuid.UUID]:
    """Symposia with an invitation under way or sent, whose snapshot starts after the instant."""
    starts_at = Campaign.symposium["starts_at"].astext.cast(DateTime(timezone=True))
    query = (
        select(Campaign.symposium_id)
        .where(
            Campaign.kind == "invitation",
            Campaign.status.in_(ANNOUNCED),
            starts_at > starting_after,
        )
        .distinct()
    )
    return list((await session.scalars(query)).all())


async def first_invited_at(session: AsyncSession, symposium_id: uuid.UUID) -> datetime | None:
    """When the symposium's first invitation was approved (the start of its reminder window)."""
    query = select(func.min(Campaign.approved_at)).where(
        Campaign.symposium_id == symposium_id,
        Campaign.kind == "invitation",
        Campaign.status.in_(ANNOUNCED),
    )
    return await session.scalar(query)


async def latest_announcement(session: AsyncSession, symposium_id: uuid.UUID) -> Campaign | None:
    """The invitation or update under way or sent that announced the newest symposium sequence."""
    query = (
        select(Campaign)
        .where(
            Campaign.symposium_id == symposium_id,
            Campaign.kind.in_(("invitation", "update")),
            Campaign.status.in_(ANNOUNCED),
        )
        .order_by(Campaign.sequence.desc(), Campaign.created_at.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def delete_deliveries(session: AsyncSession, campaign_id: uuid.UUID) -> None:
    await session.execute(delete(Delivery).where(Delivery.campaign_id == campaign_id))


async def invited_recipients(
    session: AsyncSession, symposium_id: uuid.UUID, *, audience: Audience
) -> list[Recipient]:
    """Invited contacts (a sent delivery of an invitation) of an audience in ``AUDIENCES``:
    not answered, attending, or not declined; written to as the invitation was."""
    invited = (
        select(
            Delivery.contact_id,
            Delivery.email,
            Delivery.email_key,
            func.min(Delivery.name).label("name"),
        )
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(
            Campaign.symposium_id == symposium_id,
            Campaign.kind == "invitation",
            Campaign.status.in_(ANNOUNCED),
            Delivery.state == DeliveryState.sent,
            Delivery.contact_id.isnot(None),
        )
        .group_by(Delivery.contact_id, Delivery.email, Delivery.email_key)
    )
    answered = select(Rsvp.email_key).where(Rsvp.symposium_id == symposium_id)
    if audience is Audience.unanswered:  # any answer counts, キャンセル待ち included
        invited = invited.where(Delivery.email_key.not_in(answered))
    elif audience is Audience.attending:
        invited = invited.where(
            Delivery.email_key.in_(answered.where(Rsvp.response == "attending"))
        )
    elif audience is Audience.not_declined:
        declined = answered.where(Rsvp.response == "declined")
        invited = invited.where(Delivery.email_key.not_in(declined))
    else:
        raise ValueError(f"{audience} is not drawn from the invited")
    rows = (await session.execute(invited.order_by(Delivery.email_key, Delivery.email))).all()
    # Two invitations may have reached one mailbox under two contacts: remind it once.
    unique: dict[str, Recipient] = {}
    for r in rows:
        unique.setdefault(r.email_key, Recipient(r.contact_id, r.email, r.name))
    return list(unique.values())


# A mailbox an invitation reached or is reaching; a failed or bounced delivery never reached it.
REACHING = (
    DeliveryState.queued,
    DeliveryState.sending,
    DeliveryState.retrying,
    DeliveryState.sent,
)


async def invited_mailboxes(session: AsyncSession, symposium_id: uuid.UUID) -> set[str]:
    """The mailboxes (identity keys) an approved invitation of the symposium reached or is
    reaching: who a second invitation leaves out by default."""
    query = (
        select(Delivery.email_key)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(
            Campaign.symposium_id == symposium_id,
            Campaign.kind == "invitation",
            Campaign.status.in_(("approved", "sending", "done")),
            Delivery.state.in_(REACHING),
        )
        .distinct()
    )
    return set((await session.scalars(query)).all())


async def same_announcement(
    session: AsyncSession, symposium_id: uuid.UUID, *, kind: str, sequence: int
) -> Campaign | None:
    """A campaign of this kind for this version of the symposium, not withdrawn."""
    query = select(Campaign).where(
        Campaign.symposium_id == symposium_id,
        Campaign.kind == kind,
        Campaign.sequence == sequence,
        Campaign.status != "cancelled",
    )
    return await session.scalar(query.limit(1))


ACTIVE_INVITATION_INDEX = "uq_campaigns_one_active_invitation"


async def active_invitation(session: AsyncSession, symposium_id: uuid.UUID) -> Campaign | None:
    """The symposium's invitation campaign in draft, approved or sending, if there is one."""
    query = select(Campaign).where(
        Campaign.symposium_id == symposium_id,
        Campaign.kind == "invitation",
        Campaign.status.in_(("draft", "approved", "sending")),
    )
    return await session.scalar(query.limit(1))


async def add_checked(session: AsyncSession, campaign: Campaign) -> None:
    """``add``, with a second active invitation drafted at the same moment (the partial unique
    index of migration 0005) answered as the rule's 409, not a 500."""
    try:
        await add(session, campaign)
    except IntegrityError as exc:
        if ACTIVE_INVITATION_INDEX not in str(exc.orig):
            raise
        raise Conflict(
            "このシンポジウムには進行中の案内キャンペーンがあります"
            "（an invitation campaign for this symposium is already under way）",
            rule="one_active_invitation",
        ) from exc
