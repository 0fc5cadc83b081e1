"""Queueing a campaign's deliveries: one statement for 20,000 recipients, a suppressed mailbox
left out, a second queueing adds nothing, one dedupe key per recipient."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.campaigns import repository
from services.notify.campaigns.models import Campaign
from services.notify.campaigns.repository import Recipient
from services.notify.deliveries.models import Delivery, Suppression


async def test_twenty_thousand_recipients_are_queued_in_one_statement(
    session: AsyncSession,
) -> None:
    campaign = Campaign(
        symposium_id=uuid.uuid4(),
        kind="invitation",
        symposium={},
        context={},
        created_by="test",
    )
    await repository.add(session, campaign)
    recipients = [
        Recipient(uuid.uuid4(), f"person{i}@bulk.example.jp", f"受信者{i}") for i in range(20_000)
    ]
    session.add(Suppression(email="person7@bulk.example.jp", state="bounced", reason="test"))
    await session.flush()

    # One statement, whatever the count (its speed is B3's in `make bench`, not a test's).
    written = await repository.insert_deliveries(
        session,
        campaign_id=campaign.id,
        kind="symposium_invitation",
        recipients=recipients,
        message_id_domain="jisso.invalid",
    )
    assert written == 19_999
    again = await repository.insert_deliveries(
        session,
        campaign_id=campaign.id,
        kind="symposium_invitation",
        recipients=recipients,
        message_id_domain="jisso.invalid",
    )
    assert again == 0
    keys = await session.scalars(
        select(Delivery.dedupe_key).where(Delivery.email == "person0@bulk.example.jp")
    )
    assert keys.all() == [f"campaign:{campaign.id}:{recipients[0].contact_id}"]
