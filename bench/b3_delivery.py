"""B3 delivery: a 20,000-recipient symposium campaign, from approval to the last delivery recorded.

One database of its own (20,000 local-government contacts), the registry and notify APIs, a
notify worker and the scheduler as real processes, all up for the whole benchmark. Each round
drafts two campaigns through notify's API (not timed), each for a symposium of its own:

- ours: the clock starts at the approval request and stops at the last delivery's ``sent_at``;
  the CPU is the notify API's and the worker's over that time. ``NOTIFY_SEND_RATE_PER_SECOND`` is
  lifted from the shipped 50/s so that the machinery is measured, not the throttle. The
  concurrency is notify's shipped default. After the rounds the worker is restarted at the shipped
  rate and the campaign time at that rate is extrapolated from a campaign's first 500 deliveries.
- the floor (``bench.b3_floor``): the other campaign stays a draft, which the worker never
  sends, and a plain aiosmtplib + asyncpg program sends it with as many connections.

Both deliver into one Postfix ``smtp-sink``, a C server (``bench.b3_sink``), whose dump is
counted by ``Message-ID`` against each campaign's deliveries: 0 duplicates, 0 lost. Rounds
alternate ours and the floor; the figure is the median, the notes give every round.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
import httpx
import psutil
import redis

from bench.b3_figures import LIFTED_RATE, SHIPPED, SHIPPED_SAMPLE, Run, figures
from bench.b3_sink import Sink, sink
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
from devtools.embedded import free_port
from devtools.supervisor import Child, Supervisor, stop_child
from libs.common.email_identity import address_key
from libs.common.fiscal_year import fiscal_year_of, now_tokyo
from libs.common.queue import queue_name

RECIPIENTS = 20_000


async def _contacts(database_url: str, recipients: int) -> None:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
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


async def _symposium(database_url: str, number: int) -> str:
    """A symposium for local-government staff (one invitation each: a campaign needs its own)."""
    starts = now_tokyo().replace(hour=13, minute=30, second=0, microsecond=0) + timedelta(days=30)
    symposium_id = uuid.uuid4()
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        await conn.execute(
            "INSERT INTO registry.symposia (id, fiscal_year, number, theme, starts_at, ends_at,"
            " format, join_url, audience, tentative, status, sequence, version) VALUES"
            " ($1, $2, $3, 'データ連携基盤の実装', $4, $5, 'web', 'https://example.jp/webinar/99',"
            " ARRAY['local_government'], false, 'scheduled', 0, 1)",
            symposium_id, fiscal_year_of(starts.date()), number, starts,
            starts + timedelta(minutes=90),
        )  # fmt: skip
    finally:
        await conn.close()
    return str(symposium_id)


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


def _draft(notify_url: str, token: str, symposium_id: str) -> tuple[str, str]:
    """Draft (not timed); returns the campaign id and the ETag approval needs."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    body = {"symposium_id": symposium_id, "kind": "invitation"}
    draft = httpx.post(f"{notify_url}/v1/campaigns", json=body, headers=headers, timeout=600)
    if draft.status_code != 201:
        raise RuntimeError(f"draft failed: {draft.status_code} {draft.text[:500]}")
    return draft.json()["id"], draft.headers["ETag"]


def _approve(notify_url: str, token: str, campaign_id: str, etag: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "If-Match": etag}
    answer = httpx.post(f"{notify_url}/v1/campaigns/{campaign_id}/approval", headers=headers)
    if answer.status_code != 200:
        raise RuntimeError(f"approval failed: {answer.status_code} {answer.text[:500]}")


async def _deliveries(database_url: str, campaign_id: str) -> tuple[int, float | None, set[str]]:
    """(rows sent, epoch of the last ``sent_at``, every row's Message-ID) of one campaign."""
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        rows = await conn.fetch(
            "SELECT state, sent_at, smtp_message_id FROM notify.deliveries WHERE campaign_id = $1",
            uuid.UUID(campaign_id),
        )
    finally:
        await conn.close()
    sent = [r["sent_at"] for r in rows if r["state"] == "sent"]
    last = max(sent).timestamp() if sent else None
    return len(sent), last, {r["smtp_message_id"] for r in rows}


def _tally(mail: Sink, expected: set[str]) -> tuple[int, int]:
    """(duplicates, lost) of one campaign in the sink: its messages received more than once, its
    deliveries never received. The last message's DATA may still be finishing when its row reads
    ``sent`` (committed before the sink's answer): a few seconds are allowed for it."""
    deadline = time.monotonic() + 10
    while True:
        found = Counter(i for i in mail.message_ids() if i in expected)
        lost = len(expected - found.keys())
        if not lost or time.monotonic() > deadline:
            return sum(n - 1 for n in found.values()), lost
        time.sleep(0.5)


def _cpu(pids: list[int]) -> float:
    """User + system seconds of these processes and their live children."""
    total = 0.0
    for pid in pids:
        process = psutil.Process(pid)
        for each in [process, *process.children(recursive=True)]:
            times = each.cpu_times()
            total += times.user + times.system
    return total


@dataclass
class Bench:
    """What the rounds share: the database, the running services, the campaign size."""

    ctx: Context
    database_url: str
    env: dict[str, str]
    mail: Sink
    notify_url: str
    ours_pids: list[int]
    worker: Child
    recipients: int
    concurrency: int
    symposia: int = 0

    def campaign(self) -> tuple[str, str]:
        self.symposia += 1
        symposium_id = run_async(_symposium(self.database_url, 100 + self.symposia))
        return _draft(self.notify_url, self.ctx.token, symposium_id)

    def ours(self) -> Run:
        campaign_id, etag = self.campaign()
        cpu = _cpu(self.ours_pids)
        started = time.time()
        _approve(self.notify_url, self.ctx.token, campaign_id, etag)
        deadline = time.monotonic() + max(600.0, self.recipients / 20)
        sent, last, expected = run_async(_deliveries(self.database_url, campaign_id))
        while sent < self.recipients:
            if time.monotonic() > deadline or not self.mail.alive():
                raise TimeoutError(f"only {sent:,} of {self.recipients:,} sent ({self.mail.name})")
            time.sleep(0.2)
            sent, last, expected = run_async(_deliveries(self.database_url, campaign_id))
        cpu = _cpu(self.ours_pids) - cpu
        assert last is not None
        return Run(last - started, cpu, sent, *_tally(self.mail, expected))

    def floor(self) -> Run:
        campaign_id, _ = self.campaign()
        argv = [sys.executable, "-m", "bench.b3_floor", "--campaign", campaign_id]
        argv += ["--database-url", plain_url(self.database_url)]
        argv += ["--concurrency", str(self.concurrency)]
        done = subprocess.run(
            argv, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=3600
        )
        if done.returncode != 0:
            raise RuntimeError(f"floor sender failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        sent, _, expected = run_async(_deliveries(self.database_url, campaign_id))
        return Run(result["seconds"], result["cpu_seconds"], sent, *_tally(self.mail, expected))


def _start(
    ctx: Context, supervisor: Supervisor, mail: Sink, database_url: str, recipients: int
) -> Bench:
    """The registry and notify APIs, the worker and the scheduler, up for every round."""
    run_async(_contacts(database_url, recipients))
    ports = {name: free_port() for name in ("registry", "notify")}
    env = service_env(
        ctx,
        database_url,
        redis_index(ctx.redis_url, 3),
        SMTP_URL=str(mail.url),
        NOTIFY_SEND_RATE_PER_SECOND=f"{LIFTED_RATE:g}",
        # Production refuses to start without it: the links in every letter are built on it.
        PUBLIC_BASE_URL="https://jisso.example.jp",
        NOTIFY_SENDER_ADDRESS="office@chihousousei.example.go.jp",  # no DKIM key: unsigned
        **{f"{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items()},
    )
    pids = [serve(supervisor, name, cli("serve", name), env, port=port)[1]
            for name, port in ports.items()]  # fmt: skip
    worker = supervisor.spawn("worker", cli("worker", "--service", "notify"), env, cwd=ROOT)
    supervisor.spawn("scheduler", cli("scheduler"), env, cwd=ROOT)
    wait_for_worker(env["REDIS_URL"])
    return Bench(
        ctx=ctx,
        database_url=database_url,
        env=env,
        mail=mail,
        notify_url=f"http://127.0.0.1:{ports['notify']}",
        ours_pids=[pids[1], worker.pid],  # the notify API and its worker
        worker=worker,
        recipients=recipients,
        concurrency=SHIPPED.send_concurrency,
    )


def at_shipped_rate(bench: Bench, supervisor: Supervisor) -> float:
    """Seconds the campaign takes at the shipped send rate, extrapolated from its first
    ``SHIPPED_SAMPLE`` deliveries (approval included) by a worker restarted at that rate; the
    rest is left unsent (the database is dropped)."""
    stop_child(bench.worker, signal.SIGTERM, 30)
    client = redis.Redis.from_url(bench.env["REDIS_URL"])
    client.delete(f"{queue_name('notify')}:health-check")  # so the wait below is the new one's
    client.close()
    env = {**bench.env, "NOTIFY_SEND_RATE_PER_SECOND": f"{SHIPPED.send_rate_per_second:g}"}
    supervisor.spawn("worker-shipped", cli("worker", "--service", "notify"), env, cwd=ROOT)
    wait_for_worker(env["REDIS_URL"])
    campaign_id, etag = bench.campaign()
    started = time.time()
    _approve(bench.notify_url, bench.ctx.token, campaign_id, etag)
    sample = min(SHIPPED_SAMPLE, bench.recipients)
    deadline = time.monotonic() + 10 * sample / SHIPPED.send_rate_per_second + 60
    sent, last, _ = run_async(_deliveries(bench.database_url, campaign_id))
    while sent < sample:
        if time.monotonic() > deadline:
            raise TimeoutError(f"at the shipped rate only {sent} of {sample} sent")
        time.sleep(0.5)
        sent, last, _ = run_async(_deliveries(bench.database_url, campaign_id))
    assert last is not None
    return (last - started) * bench.recipients / sent


def _rounds(bench: Bench, rounds: int) -> tuple[list[Run], list[Run]]:
    """Ours and the floor interleaved, the order swapped each round (what the first run of a
    round finds — a warm cache, a checkpoint due — falls on each side in turn)."""
    ours: list[Run] = []
    floor: list[Run] = []
    for n in range(rounds):
        for side in ("ours", "floor") if n % 2 == 0 else ("floor", "ours"):
            if side == "ours":
                ours.append(bench.ours())
            else:
                floor.append(bench.floor())
            print(f"B3 round {n + 1} {side}: {(ours if side == 'ours' else floor)[-1].text()}")
    return ours, floor


def run(ctx: Context, report: Callable[[Figure], None]) -> list[Figure]:
    recipients = 2_000 if ctx.quick else RECIPIENTS
    database_url = run_async(create_database(ctx.admin_url, "_b3"))
    try:
        with sink(ctx.work_dir / "b3-sink") as mail, processes(ctx, "b3") as supervisor:
            bench = _start(ctx, supervisor, mail, database_url, recipients)
            ours, floor = _rounds(bench, ctx.rounds)
            shipped = at_shipped_rate(bench, supervisor)
    finally:
        run_async(drop_database(ctx.admin_url, database_url))
    result = figures(ours, floor, recipients, mail.label, shipped)
    for figure in result:
        report(figure)
    return result
