"""B3's floor: the product's necessary work for one campaign, done the simplest way.

A plain asyncio program in a process of its own (so its CPU is its own): read the campaign and
its queued deliveries, then ``concurrency`` lanes — as many SMTP connections as notify opens —
each with one aiosmtplib connection and one asyncpg connection, take the next delivery, compose
it with notify's own ``Composer`` (the same template render, links, ICS and MIME build as the
worker; DKIM too when a key is set), send it, and record it: one ``UPDATE … state = 'sent'``,
committed (autocommit), per message. Nothing is claimed, leased or held before the DATA
terminator: that is the machinery ours is measured for.

Run by ``bench.b3_delivery`` as ``python -m bench.b3_floor --campaign ID …`` with the services'
environment; prints one JSON line: seconds, CPU seconds and messages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
import uuid
from typing import Any

import asyncpg

from libs.common.settings import get_settings
from services.notify.campaigns.models import Campaign
from services.notify.config import get_notify_settings
from services.notify.deliveries.compose import Composer
from services.notify.deliveries.models import Delivery
from services.notify.letters.signing import message_signer
from services.notify.letters.smtp import SmtpTarget

DELIVERY_COLUMNS = ("id", "campaign_id", "kind", "contact_id", "email", "name", "smtp_message_id")
CAMPAIGN_COLUMNS = ("id", "symposium_id", "kind", "symposium", "sequence", "context")
MARK_SENT = "UPDATE notify.deliveries SET state = 'sent', sent_at = now() WHERE id = $1"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _json_codec(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _load(
    conn: asyncpg.Connection, campaign_id: uuid.UUID
) -> tuple[Campaign, list[Delivery]]:
    row = await conn.fetchrow(
        f"SELECT {', '.join(CAMPAIGN_COLUMNS)} FROM notify.campaigns WHERE id = $1", campaign_id
    )
    if row is None:
        raise LookupError(f"no campaign {campaign_id}")
    rows = await conn.fetch(
        f"SELECT {', '.join(DELIVERY_COLUMNS)} FROM notify.deliveries"
        " WHERE campaign_id = $1 AND state = 'queued' ORDER BY created_at",
        campaign_id,
    )
    return Campaign(**dict(row)), [Delivery(**dict(r)) for r in rows]


async def deliver(database_url: str, campaign_id: uuid.UUID, concurrency: int) -> dict[str, Any]:
    """Send the campaign; the figures of the timed part (connecting included)."""
    notify = get_notify_settings()
    settings = get_settings("notify")
    target = SmtpTarget.from_url(settings.smtp_url)  # an aiosmtplib client, as the worker's
    sign = message_signer(notify)
    started, cpu_started = time.perf_counter(), cpu_seconds()
    conns = [await asyncpg.connect(database_url) for _ in range(concurrency)]
    for conn in conns:
        await _json_codec(conn)
    campaign, pending = await _load(conns[0], campaign_id)
    composer = Composer(
        campaigns={campaign.id: campaign}, messages={}, settings=settings, notify=notify
    )
    pending.reverse()  # pop() from the end takes them in order
    sent = 0

    async def lane(conn: asyncpg.Connection) -> None:
        nonlocal sent
        client = target.client(timeout=30)
        await client.connect()
        while pending:
            delivery = pending.pop()
            raw = sign(composer.compose(delivery))
            await client.sendmail(notify.sender_address, [delivery.email], raw)
            await conn.execute(MARK_SENT, delivery.id)
            sent += 1
        await client.quit()

    await asyncio.gather(*(lane(conn) for conn in conns))
    for conn in conns:
        await conn.close()
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu_started,
        "messages": sent,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="B3's floor: one campaign, the simplest way")
    parser.add_argument("--database-url", required=True, help="a plain postgresql:// URL")
    parser.add_argument("--campaign", type=uuid.UUID, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(deliver(args.database_url, args.campaign, args.concurrency))))


if __name__ == "__main__":
    main()
