"""All SQL of the attendee list and the campaign report: reads only.

A person is a mailbox (``email_key``, the identity answers and deliveries share): the latest
delivery of an invitation of the symposium that was approved, joined with the person's answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.campaigns.models import Campaign
from services.notify.campaigns.states import CampaignState
from services.notify.deliveries.models import Delivery, Suppression

# An invitation that was approved has been (or is being) sent: a draft's rows invite nobody.
SENT_INVITATIONS = [
    CampaignState.approved.value,
    CampaignState.sending.value,
    CampaignState.done.value,
]


@dataclass(frozen=True)
class AttendeeRow:
    contact_id: uuid.UUID | None
    name: str
    email: str
    email_key: str
    rsvp: str
    waitlist_position: int | None
    answered_at: datetime | None
    delivery_state: str | None


# attending first, then waitlisted in line order, then declined, then no answer; by name.
_ATTENDEES = text(
    """
    WITH invited AS (
        SELECT DISTINCT ON (d.email_key)
               d.email_key, d.contact_id, d.email, d.name, d.state
        FROM notify.deliveries d JOIN notify.campaigns c ON c.id = d.campaign_id
        WHERE c.symposium_id = :symposium_id AND c.kind = 'invitation'
          AND c.status = ANY(:statuses)
        ORDER BY d.email_key, d.created_at DESC, d.id DESC
    ), answers AS (
        SELECT r.email_key, r.contact_id, r.email, r.name, r.response, r.updated_at,
               CASE WHEN r.response = 'waitlisted' THEN
                   row_number() OVER (PARTITION BY r.response ORDER BY r.requested_at, r.id)
               END AS position
        FROM notify.rsvps r
        WHERE r.symposium_id = :symposium_id
    )
    SELECT COALESCE(a.contact_id, i.contact_id) AS contact_id,
           COALESCE(NULLIF(a.name, ''), i.name, '') AS name,
           COALESCE(i.email, a.email) AS email,
           COALESCE(a.email_key, i.email_key) AS email_key,
           COALESCE(a.response, 'no_answer') AS rsvp,
           a.position AS waitlist_position,
           a.updated_at AS answered_at,
           i.state AS delivery_state
    FROM invited i FULL OUTER JOIN answers a ON a.email_key = i.email_key
    ORDER BY CASE COALESCE(a.response, 'no_answer')
                 WHEN 'attending' THEN 0 WHEN 'waitlisted' THEN 1 WHEN 'declined' THEN 2
                 ELSE 3 END,
             a.position NULLS LAST, 2, 4
    """
)


async def attendees(session: AsyncSession, symposium_id: uuid.UUID) -> list[AttendeeRow]:
    """Everyone invited to the symposium or answering for it, in the list's order."""
    result = await session.execute(
        _ATTENDEES, {"symposium_id": symposium_id, "statuses": SENT_INVITATIONS}
    )
    return [
        AttendeeRow(
            contact_id=r.contact_id,
            name=r.name,
            email=r.email,
            email_key=r.email_key,
            rsvp=r.rsvp,
            waitlist_position=None if r.waitlist_position is None else int(r.waitlist_position),
            answered_at=r.answered_at,
            delivery_state=None if r.delivery_state is None else str(r.delivery_state),
        )
        for r in result
    ]


async def get_campaign(session: AsyncSession, campaign_id: uuid.UUID) -> Campaign | None:
    return await session.scalar(select(Campaign).where(Campaign.id == campaign_id))


async def delivery_counts(session: AsyncSession, campaign_id: uuid.UUID) -> dict[str, int]:
    query = (
        select(Delivery.state, func.count())
        .where(Delivery.campaign_id == campaign_id)
        .group_by(Delivery.state)
    )
    return {str(state): int(n) for state, n in (await session.execute(query)).all()}


# Any answer counts for whoever the campaign wrote to; "no answer" only for a letter that was sent.
_ANSWERS = text(
    """
    SELECT COALESCE(r.response, 'no_answer') AS answer, count(*) AS n
    FROM notify.deliveries d
    LEFT JOIN notify.rsvps r ON r.symposium_id = :symposium_id AND r.email_key = d.email_key
    WHERE d.campaign_id = :campaign_id AND (r.id IS NOT NULL OR d.state = 'sent')
    GROUP BY 1
    """
)


async def answer_counts(
    session: AsyncSession, *, campaign_id: uuid.UUID, symposium_id: uuid.UUID
) -> dict[str, int]:
    result = await session.execute(
        _ANSWERS, {"campaign_id": campaign_id, "symposium_id": symposium_id}
    )
    return {str(r.answer): int(r.n) for r in result}


async def campaign_mailboxes(session: AsyncSession, campaign_id: uuid.UUID) -> set[str]:
    """The mailboxes (identity keys) the campaign has a delivery for."""
    query = select(Delivery.email_key).where(Delivery.campaign_id == campaign_id)
    return set((await session.scalars(query)).all())


async def suppression_states(session: AsyncSession, email_keys: Iterable[str]) -> dict[str, str]:
    """unsubscribed | bounced for each of the mailboxes notify holds a suppression for."""
    keys = list(email_keys)
    if not keys:
        return {}
    query = select(Suppression.email, Suppression.state).where(Suppression.email.in_(keys))
    return {email: state for email, state in (await session.execute(query)).all()}
