"""B3 delivery: a 20,000-recipient symposium campaign, from approval to the last delivery.

Ours: a database of its own (20,000 local-government contacts and one symposium for them), the
registry and notify APIs, a notify worker and the scheduler as real processes, and an aiosmtpd
Maildir sink (``EmbeddedSmtp``). The campaign is drafted through notify's API, then the clock
starts at the approval request and stops at the modification time of the last message the sink
wrote. ``NOTIFY_SEND_RATE_PER_SECOND`` is set far above what the sink can take, so the rate limit
is not what is measured; the concurrency is notify's default (``NOTIFY_SEND_CONCURRENCY``).

Floor: the very messages the sink received (its ``X-Peer``/``X-MailFrom``/``X-RcptTo`` headers
taken off again), sent by a plain aiosmtplib loop with the same number of connections to a second
sink, in a process of its own (``python -m bench.b3_delivery …``). Both Maildirs are then counted
by ``Message-ID``: duplicates and losses must be zero.
"""

from __future__ import annotations

import argparse
import asyncio
import email.policy
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from email.parser import BytesHeaderParser
from pathlib import Path

import aiosmtplib
import asyncpg
import httpx
import redis

from bench.common import (
    ROOT,
    Context,
    Figure,
    cli,
    create_database,
    drop_database,
    processes,
    redis_index,
    run_async,
    serve,
    service_env,
)
from bench.generate import plain_url
from devtools.embedded import EmbeddedSmtp, free_port
from libs.common.email_identity import address_key
from libs.common.fiscal_year import fiscal_year_of, now_tokyo
from libs.common.queue import queue_name
from services.notify.config import NotifySettings

RECIPIENTS = 20_000
SINK_HEADERS = (b"x-peer:", b"x-mailfrom:", b"x-rcptto:")


async def _audience(database_url: str, recipients: int) -> str:
    """One symposium for local-government staff and ``recipients`` of them; its id."""
    starts = now_tokyo().replace(hour=13, minute=30, second=0, microsecond=0) + timedelta(days=30)
    symposium_id = uuid.uuid4()
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        await conn.execute(
            "INSERT INTO registry.symposia (id, fiscal_year, number, theme, starts_at, ends_at,"
            " format, join_url, audience, tentative, status, sequence, version) VALUES"
            " ($1, $2, 99, 'データ連携基盤の実装', $3, $4, 'web', 'https://example.jp/webinar/99',"
            " ARRAY['local_government'], false, 'scheduled', 0, 1)",
            symposium_id, fiscal_year_of(starts.date()), starts, starts + timedelta(minutes=90),
        )  # fmt: skip
        await conn.copy_records_to_table(
            "contacts",
            schema_name="registry",
            columns=["id", "name", "email", "email_key", "organisation", "search_key",
                     "stakeholder_category", "version"],
            records=[
                (uuid.uuid4(), f"受信者 {n}", address, address_key(address), "企画政策課", "",
                 "local_government", 1)
                for n in range(recipients)
                for address in [f"staff{n:05d}@c{n % 1741:04d}.city.example.lg.jp"]
            ],
        )  # fmt: skip
    finally:
        await conn.close()
    return str(symposium_id)


def message_ids(maildir: Path) -> list[str]:
    parser = BytesHeaderParser(policy=email.policy.default)
    new = maildir / "new"
    return [str(parser.parsebytes(p.read_bytes())["Message-ID"]) for p in new.iterdir()]


def _count(maildir: Path) -> int:
    new = maildir / "new"
    return len(os.listdir(new)) if new.exists() else 0


def _wait_for_mail(maildir: Path, expected: int, timeout: float) -> float:
    """Wall-clock time of the last message's arrival, once ``expected`` are there."""
    deadline = time.monotonic() + timeout
    while _count(maildir) < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {_count(maildir):,} of {expected:,} messages arrived")
        time.sleep(0.25)
    return max(p.stat().st_mtime for p in (maildir / "new").iterdir())


def wait_for_worker(redis_url: str, service: str = "notify", timeout: float = 120.0) -> None:
    """Until the worker polls its queue: arq records a health check when its loop starts."""
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    try:
        while not client.exists(f"{queue_name(service)}:health-check"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the {service} worker did not start")
            time.sleep(0.2)
    finally:
        client.close()


def _campaign(notify_url: str, token: str, symposium_id: str) -> tuple[str, str]:
    """Draft (not timed); returns the campaign id and the ETag approval needs."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    body = {"symposium_id": symposium_id, "kind": "invitation"}
    draft = httpx.post(f"{notify_url}/v1/campaigns", json=body, headers=headers, timeout=600)
    if draft.status_code != 201:
        raise RuntimeError(f"draft failed: {draft.status_code} {draft.text[:500]}")
    return draft.json()["id"], draft.headers["ETag"]


def _approve(notify_url: str, token: str, campaign_id: str, etag: str) -> float:
    started = time.time()
    headers = {"Authorization": f"Bearer {token}", "If-Match": etag}
    answer = httpx.post(f"{notify_url}/v1/campaigns/{campaign_id}/approval", headers=headers)
    if answer.status_code != 200:
        raise RuntimeError(f"approval failed: {answer.status_code} {answer.text[:500]}")
    return started


async def _states(database_url: str, campaign_id: str) -> dict[str, int]:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        rows = await conn.fetch(
            "SELECT state, count(*) FROM notify.deliveries WHERE campaign_id = $1 GROUP BY state",
            uuid.UUID(campaign_id),
        )
    finally:
        await conn.close()
    return {r["state"]: r["count"] for r in rows}


def _ours(
    ctx: Context, database_url: str, sink: EmbeddedSmtp, recipients: int
) -> tuple[float, str]:
    """Seconds from approval to the last delivery, and the campaign id."""
    symposium_id = run_async(_audience(database_url, recipients))
    ports = {name: free_port() for name in ("registry", "notify")}
    env = service_env(
        ctx,
        database_url,
        redis_index(ctx.redis_url, 3),
        SMTP_URL=str(sink.url),
        NOTIFY_SEND_RATE_PER_SECOND="100000",
        **{f"{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items()},
    )
    with processes(ctx, "b3") as supervisor:
        for name, port in ports.items():
            serve(supervisor, name, cli("serve", name), env, port=port)
        notify_url = f"http://127.0.0.1:{ports['notify']}"
        campaign_id, etag = _campaign(notify_url, ctx.token, symposium_id)
        supervisor.spawn("worker", cli("worker", "--service", "notify"), env, cwd=ROOT)
        supervisor.spawn("scheduler", cli("scheduler"), env, cwd=ROOT)
        wait_for_worker(env["REDIS_URL"])
        started = _approve(notify_url, ctx.token, campaign_id, etag)
        last = _wait_for_mail(sink.maildir, recipients, timeout=max(600.0, recipients / 20))
        deadline = time.monotonic() + 60
        while run_async(_states(database_url, campaign_id)).get("sent", 0) < recipients:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"deliveries not all sent: {run_async(_states(database_url, campaign_id))}"
                )
            time.sleep(0.5)
    return last - started, campaign_id


def _floor(source: Path, sink: EmbeddedSmtp, concurrency: int) -> float:
    argv = [sys.executable, "-m", "bench.b3_delivery", "--maildir", str(source)]
    argv += ["--smtp-url", str(sink.url), "--concurrency", str(concurrency)]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"floor sender failed:\n{done.stderr}")
    seconds: float = json.loads(done.stdout.strip().splitlines()[-1])["seconds"]
    return seconds


async def _expected_ids(database_url: str, campaign_id: str) -> set[str]:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        rows = await conn.fetch(
            "SELECT smtp_message_id FROM notify.deliveries WHERE campaign_id = $1",
            uuid.UUID(campaign_id),
        )
    finally:
        await conn.close()
    return {r[0] for r in rows}


def _tally(found: list[str], expected: set[str]) -> str:
    return f"{len(found) - len(set(found))} duplicates, {len(expected - set(found))} lost"


def run(ctx: Context, report: Callable[[Figure], None]) -> list[Figure]:
    recipients = 2_000 if ctx.quick else RECIPIENTS
    concurrency = NotifySettings().send_concurrency
    database_url = run_async(create_database(ctx.admin_url, "_b3"))
    try:
        with EmbeddedSmtp(ctx.work_dir / "smtp-ours", free_port()) as ours_sink:
            ours, campaign_id = _ours(ctx, database_url, ours_sink, recipients)
            expected = run_async(_expected_ids(database_url, campaign_id))
            ours_ids = message_ids(ours_sink.maildir)
            with EmbeddedSmtp(ctx.work_dir / "smtp-floor", free_port()) as floor_sink:
                floor = _floor(ours_sink.maildir, floor_sink, concurrency)
                floor_ids = message_ids(floor_sink.maildir)
    finally:
        run_async(drop_database(ctx.admin_url, database_url))
    figure = Figure(
        bench="B3",
        name=f"campaign of {recipients:,}, approval → last delivery",
        unit="msg/s",
        ours=recipients / ours,
        floor=recipients / floor,
        higher_is_better=True,
        target=0.7,
        size=f"{recipients:,} recipients, {concurrency} SMTP connections",
        notes={
            "ours": f"{ours:.1f} s, {_tally(ours_ids, expected)}",
            "floor": f"{floor:.1f} s, {_tally(floor_ids, expected)}",
        },
    )
    report(figure)
    return [figure]


def _stored(path: Path) -> tuple[str, str, bytes]:
    """(envelope sender, recipient, message as first sent) of one Maildir file."""
    raw = path.read_bytes()
    head, _, body = raw.partition(b"\n\n")
    lines = head.split(b"\n")
    envelope = {ln.split(b":", 1)[0].lower(): ln.split(b":", 1)[1].strip() for ln in lines
                if ln.lower().startswith(SINK_HEADERS)}  # fmt: skip
    kept = [ln for ln in lines if not ln.lower().startswith(SINK_HEADERS)]
    message = b"\n".join(kept) + b"\n\n" + body
    return envelope[b"x-mailfrom"].decode(), envelope[b"x-rcptto"].decode(), message


async def send_plainly(messages: list[tuple[str, str, bytes]], url: str, concurrency: int) -> float:
    """The floor: ``concurrency`` connections, each sending the next message until none is left."""
    host, port = url.removeprefix("smtp://").rsplit(":", 1)
    queue = list(reversed(messages))

    async def connection() -> None:
        client = aiosmtplib.SMTP(hostname=host, port=int(port), timeout=30)
        await client.connect()
        while queue:
            sender, recipient, message = queue.pop()
            await client.sendmail(sender, [recipient], message)
        await client.quit()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="B3's floor: resend a Maildir with aiosmtplib")
    parser.add_argument("--maildir", type=Path, required=True)
    parser.add_argument("--smtp-url", required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    args = parser.parse_args()
    messages = [_stored(p) for p in sorted((args.maildir / "new").iterdir())]
    seconds = asyncio.run(send_plainly(messages, args.smtp_url, args.concurrency))
    print(json.dumps({"seconds": seconds, "messages": len(messages)}))


if __name__ == "__main__":
    main()
