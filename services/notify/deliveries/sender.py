"""The sender: claims due deliveries and hands each to the SMTP server exactly once.

One sender at a time system-wide (a PostgreSQL advisory lock), so ``send_rate_per_second`` is the
rate the relay sees however many workers run; within it, ``send_concurrency`` SMTP connections
(lanes), each reused for many messages. Rows are claimed in batches (``sending``, committed at
once) and rendered one letter at a time into a queue the lanes send from, so the next batch is
claimed and rendered while the last one is in flight; the per-message protocol that makes a
SIGKILL harmless is in ``held_data`` and ``commit_release``.

Rendering runs in the event loop's own thread, between the lanes' steps: the marker and the
COMMIT leave within one step, which no other coroutine can interrupt (a rendering thread could,
by taking the GIL between the two writes). A batch is sized to send in a quarter of the lease
at the configured rate and the queue holds at most one, so a claimed row waits at most two
batches — half the lease at that rate — before it is sent; and a sender never claims again a row
it holds (``in_flight``), whatever a slow relay or ``as_of`` makes of its lease.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosmtplib
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from libs.common.queue import JobContext
from libs.common.settings import Settings
from libs.common.unit_of_work import Relay, unit_of_work
from services.notify.config import NotifySettings, get_notify_settings
from services.notify.deliveries import repository
from services.notify.deliveries.commit_release import Committed, commit_sent_and_release
from services.notify.deliveries.compose import Composer, readers
from services.notify.deliveries.held_data import HeldMessage, hold_message
from services.notify.deliveries.models import Delivery
from services.notify.deliveries.outcomes import Verdict, judge, transient
from services.notify.deliveries.service import suppress_and_mirror
from services.notify.deliveries.states import DeliveryState
from services.notify.letters.signing import message_signer
from services.notify.letters.smtp import SmtpTarget

log = structlog.get_logger(__name__)
SMTP_TIMEOUT = 30.0
# arq gives a job 300 s; the periodic (every 10 s) picks up whatever a run leaves.
RUN_BUDGET_SECONDS = 240.0


@dataclass(frozen=True)
class Outgoing:
    delivery: Delivery
    raw: bytes


class RateLimiter:
    """At most ``rate`` starts per second across every connection of this sender."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next_slot = time.monotonic()

    async def wait(self) -> None:
        now = time.monotonic()
        slot = max(now, self.next_slot)
        self.next_slot = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class SmtpConnection:
    """One connection, opened on first use and again after it drops."""

    def __init__(self, target: SmtpTarget) -> None:
        self.target = target
        self.client: aiosmtplib.SMTP | None = None

    async def ready(self) -> aiosmtplib.SMTP:
        if self.client is None or not self.client.is_connected:
            self.client = self.target.client(timeout=SMTP_TIMEOUT)
            await self.client.connect()
        return self.client

    def drop(self) -> None:
        if self.client is not None:
            self.client.close()
        self.client = None

    async def close(self) -> None:
        if self.client is not None and self.client.is_connected:
            with suppress(aiosmtplib.SMTPException, OSError):
                await self.client.quit(timeout=5)
        self.drop()


class Sender:
    def __init__(self, ctx: JobContext, notify: NotifySettings, report: Counter[str]) -> None:
        self.settings: Settings = ctx["settings"]
        self.sessionmaker: async_sessionmaker[AsyncSession] = ctx["sessionmaker"]
        self.engine: AsyncEngine = ctx["engine"]
        self.outbox = ctx["outbox"]
        # What this run's transactions write to the outbox leaves at once (libs.common.worker).
        self.relay: Relay | None = ctx.get("relay")
        self.notify = notify
        self.report = report
        self.limiter = RateLimiter(notify.send_rate_per_second)
        self.sign = message_signer(notify)  # DKIM when a key is configured (letters/signing.py)
        target = SmtpTarget.from_url(self.settings.smtp_url)
        self.connections = [SmtpConnection(target) for _ in range(notify.send_concurrency)]
        lease = notify.sending_lease_seconds
        self.lease = timedelta(seconds=lease)
        self.batch_size = max(
            notify.send_concurrency, min(200, int(notify.send_rate_per_second * lease / 4))
        )
        # Claimed by this sender and not yet finished: the next claim must not take them again.
        self.in_flight: set[uuid.UUID] = set()

    async def drain(self, as_of: datetime | None, deadline: float) -> None:
        """Claim and send batch after batch until nothing is due (or the run's time is up)."""
        queue: asyncio.Queue[Outgoing | None] = asyncio.Queue(maxsize=self.batch_size)
        lanes = [asyncio.ensure_future(self._work(conn, queue)) for conn in self.connections]
        tasks = [asyncio.ensure_future(self._produce(as_of, deadline, queue, len(lanes))), *lanes]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            # One failed (or the job was cancelled): stop the others too. A message between its
            # marker and its COMMIT finishes regardless (shielded); the unsent wait out the lease.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        await self._in_transaction(repository.finish_campaigns)

    async def close(self) -> None:
        await asyncio.gather(*(conn.close() for conn in self.connections))

    async def _produce(
        self,
        as_of: datetime | None,
        deadline: float,
        queue: asyncio.Queue[Outgoing | None],
        lanes: int,
    ) -> None:
        """Claim batches and queue each letter as soon as it is rendered; then end every lane."""
        while time.monotonic() < deadline:
            batch = await self._claim(as_of)
            if not batch:
                break
            composer = await self._composer(batch)
            for delivery in batch:
                raw = await self._render(composer, delivery)
                if raw is not None:
                    await queue.put(Outgoing(delivery, raw))
                await asyncio.sleep(0)  # the lanes' turn: sending starts with the first letter
        for _ in range(lanes):
            await queue.put(None)

    async def _claim(self, as_of: datetime | None) -> list[Delivery]:
        async with unit_of_work(self.sessionmaker) as session:
            batch = await repository.claim_due(
                session,
                as_of=as_of,
                lease=self.lease,
                limit=self.batch_size,
                excluding=self.in_flight,
            )
            suppressed = await repository.suppress_claimed(session, [d.id for d in batch])
            campaigns = {d.campaign_id for d in batch if d.campaign_id}
            await repository.start_campaigns(session, list(campaigns))
        self.report[DeliveryState.suppressed] += len(suppressed)
        batch = [d for d in batch if d.id not in suppressed]
        self.in_flight.update(d.id for d in batch)
        return batch

    async def _composer(self, batch: list[Delivery]) -> Composer:
        async with self.sessionmaker() as session:
            campaigns = await repository.campaigns_by_id(
                session, list({d.campaign_id for d in batch if d.campaign_id})
            )
            messages = await repository.messages_by_id(
                session, list({d.message_id for d in batch if d.message_id})
            )
            answers = await repository.rsvp_answers(session, readers(batch, campaigns, messages))
        return Composer(
            campaigns=campaigns,
            messages=messages,
            settings=self.settings,
            notify=self.notify,
            answers=answers,
        )

    async def _render(self, composer: Composer, delivery: Delivery) -> bytes | None:
        try:
            return self.sign(composer.compose(delivery))
        except Exception as exc:  # content that cannot render is not retried
            log.exception("delivery_render_failed", delivery_id=str(delivery.id))
            await self._record(delivery, Verdict(DeliveryState.failed, f"render: {exc}"[:1000]))
            self.in_flight.discard(delivery.id)
            return None

    async def _work(
        self, connection: SmtpConnection, queue: asyncio.Queue[Outgoing | None]
    ) -> None:
        """One lane: the next rendered letter over this connection, until the end (``None``)."""
        while (item := await queue.get()) is not None:
            await self.limiter.wait()
            await self._deliver(connection, item)
            self.in_flight.discard(item.delivery.id)

    async def _deliver(self, connection: SmtpConnection, item: Outgoing) -> None:
        delivery = item.delivery
        try:
            client = await connection.ready()
            held = await hold_message(
                client,
                sender=self.notify.sender_address,
                recipient=delivery.email,
                message=item.raw,
                wait=SMTP_TIMEOUT,
            )
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, OSError) as exc:
            connection.drop()
            await self._record(delivery, transient(f"{type(exc).__name__}: {exc}"))
            return
        except aiosmtplib.SMTPResponseException as exc:
            stage = "rcpt" if isinstance(exc, aiosmtplib.SMTPRecipientRefused) else "data"
            await self._record(delivery, judge(exc.code, exc.message, stage=stage))
            return
        except aiosmtplib.SMTPException as exc:
            connection.drop()
            await self._record(delivery, transient(f"{type(exc).__name__}: {exc}"))
            return
        await self._finish(connection, item, held)

    async def _finish(self, connection: SmtpConnection, item: Outgoing, held: HeldMessage) -> None:
        delivery = item.delivery
        try:
            outcome = await self._commit_then_release(delivery, held)
        except BaseException:
            connection.drop()  # the database failed before the COMMIT left: nothing was sent
            raise
        if outcome is not Committed.SENT:
            connection.drop()  # abandoned: the server discards this copy
            if outcome is Committed.FENCED:  # another sender owns the row now
                self.report["fenced"] += 1
            else:
                await self._record(delivery, transient("end of data could not be written"))
            return
        try:
            reply = await held.reply()
        except (aiosmtplib.SMTPException, OSError) as exc:
            # The marker is out: the server most likely has the message. Keep `sent` (a resend
            # could duplicate it), as if this process had died right after the write.
            log.warning("smtp_no_final_reply", delivery_id=str(delivery.id), error=str(exc))
            connection.drop()
            self.report[DeliveryState.sent] += 1
            return
        if 200 <= reply.code < 300:
            self.report[DeliveryState.sent] += 1
            return
        await self._record(
            delivery, judge(reply.code, reply.message, stage="data"), DeliveryState.sent
        )

    async def _commit_then_release(self, delivery: Delivery, held: HeldMessage) -> Committed:
        """``sent`` committed and the end-of-data marker let go together (commit_release.py);
        shielded, so a cancelled job still finishes what it started."""
        return await asyncio.shield(asyncio.ensure_future(self._mark_and_release(delivery, held)))

    async def _mark_and_release(self, delivery: Delivery, held: HeldMessage) -> Committed:
        claimed_at = delivery.claimed_at
        assert claimed_at is not None
        async with self.engine.connect() as connection:
            try:
                return await commit_sent_and_release(
                    connection, delivery_id=delivery.id, claimed_at=claimed_at, held=held
                )
            except Exception as exc:
                if not held.staged:
                    raise  # nothing reached the server: the row waits out its lease
                log.error("sent_commit_failed", delivery_id=str(delivery.id), error=str(exc))
        await self._mark_sent_again(delivery.id, claimed_at)
        return Committed.SENT

    async def _mark_sent_again(self, delivery_id: uuid.UUID, claimed_at: datetime) -> None:
        for attempt in range(3):
            try:
                async with unit_of_work(self.sessionmaker) as session:
                    await repository.mark_sent(session, delivery_id, claimed_at)
                return
            except Exception as exc:  # still unreachable: after its lease the row goes again
                log.error("sent_not_recorded", delivery_id=str(delivery_id), error=str(exc))
                await asyncio.sleep(0.5 * 2**attempt)

    async def _record(
        self, delivery: Delivery, verdict: Verdict, source: DeliveryState = DeliveryState.sending
    ) -> None:
        verdict = verdict.within(delivery.attempts, self.notify)
        claimed_at = delivery.claimed_at
        assert claimed_at is not None

        async def record(session: AsyncSession) -> None:
            moved = await repository.record_outcome(
                session,
                delivery.id,
                claimed_at,
                event=verdict.event,
                source=source,
                last_error=verdict.error,
                next_attempt_at=verdict.next_attempt_at,
            )
            if moved and verdict.state == DeliveryState.bounced:
                await suppress_and_mirror(
                    session,
                    self.outbox,
                    email=delivery.email,
                    reason=verdict.error,
                    contact_id=delivery.contact_id,
                    by="smtp",
                )

        await self._in_transaction(record)
        self.report[verdict.state] += 1

    async def _in_transaction(self, fn: Any) -> Any:
        async with unit_of_work(self.sessionmaker, relay=self.relay) as session:
            return await fn(session)


async def send_due(
    ctx: JobContext, *, as_of: datetime | None = None, notify: NotifySettings | None = None
) -> Counter[str]:
    """Send everything due; returns counts by outcome (zeros left out). While another sender
    holds the lock, returns at once: that one sends these rows too."""
    notify = notify or ctx.get("notify_settings") or get_notify_settings()
    report: Counter[str] = Counter()
    deadline = time.monotonic() + RUN_BUDGET_SECONDS
    while True:
        async with repository.sender_lock(ctx["engine"]) as held:
            if not held:
                return +report
            sender = Sender(ctx, notify, report)
            try:
                await sender.drain(as_of, deadline)
            finally:
                await sender.close()
        # Rows committed while we held the lock, whose own job found it taken, are ours to send.
        if time.monotonic() >= deadline or not await _anything_due(ctx, as_of, sender.lease):
            return +report


async def _anything_due(ctx: JobContext, as_of: datetime | None, lease: timedelta) -> bool:
    async with ctx["sessionmaker"]() as session:
        due = await repository.due_count(session, as_of=as_of, lease=lease)
    return due > 0
