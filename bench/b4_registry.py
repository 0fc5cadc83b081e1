"""B4, after the sweep: the term ends reaching the registry, one HTTP call per 500 projects.

The sweep itself is set-based SQL (bench/b4_sweep.py); what it leaves is one ``apply_term_ends``
outbox row per 500 projects, which a review worker turns into ``POST /v1/projects/term-ends`` on
the registry. This measures that path as it is, with real processes (the registry API, a review
worker and the scheduler, whose 5-second outbox sweep publishes what the sweep's own prompt relay
did not; the sweep starts once the worker polls and the scheduler leads with its first round of
periodic jobs done): from the sweep's start to the last registry answer stored on its cycle row.
The floor is one UPDATE ending as many other supported projects in the registry's table. The end
of ours is looked for every 10 ms on one open connection (a poll every 0.2 s, a connection each,
added up to 0.2 s to ours). Both sides are timed warm, as a running system is: ours after the same
path has carried ``WARM_UP`` other projects (the processes' first statements, connections and
imports are paid there, as in any long-running deployment; ``jisso up``'s start is B5's), the
floor after its UPDATE has ended ``WARM_UP`` others on the same connection.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any

import asyncpg
import redis

from bench.b3_delivery import wait_for_worker
from bench.b4_sweep import RESET_SQL, insert_cycle, snapshot
from bench.common import (
    BENCH_RATE_LIMIT,
    Context,
    Figure,
    cli,
    processes,
    redis_index,
    run_async,
    serve,
    service_env,
)
from bench.generate import plain_url
from devtools.embedded import free_port
from libs.common.fiscal_year import TOKYO
from libs.common.queue import JOBS_RUNNING_PATTERN, queue_name
from libs.common.scheduler import LOCK_KEY

PROJECTS = 4_000
WARM_UP = 50
# How often the end of ours is looked for: each look is one count over the cycle's rows, cheap
# beside what it measures, and a coarser poll would add up to its interval to ours.
POLL_SECONDS = 0.01
FLOOR_SQL = (
    "UPDATE registry.projects SET status = 'ended', ended_on = term_end, version = version + 1,"
    " end_reason = '継続申請なし（支援期間満了）' WHERE id = ANY($1) AND status = 'supported'"
)


def wait_for_scheduler(redis_url: str, service: str, timeout: float = 120.0) -> None:
    """Until the scheduler leads and the jobs its first tick gave ``service``'s worker (every
    periodic sweep is due at once when a scheduler starts) are done: what is timed is the path,
    not another process's start-up on the same cores (it took 0.2-0.6 s of CPU in the timed
    window when the sweep began before it led)."""
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    try:
        while not client.exists(LOCK_KEY) or (
            client.zcard(queue_name(service)) or client.keys(JOBS_RUNNING_PATTERN)
        ):
            if time.monotonic() > deadline:
                raise TimeoutError("the scheduler's first sweeps did not finish")
            time.sleep(0.1)
    finally:
        client.close()


async def _supported(database_url: str, count: int) -> list[tuple[uuid.UUID, date]]:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        rows = await conn.fetch(
            "SELECT id, term_end FROM registry.projects WHERE status = 'supported'"
            " ORDER BY id LIMIT $1",
            count,
        )
    finally:
        await conn.close()
    return [(r["id"], r["term_end"]) for r in rows]


async def _seed(database_url: str, projects: list[tuple[uuid.UUID, date]]) -> None:
    """A cycle holding these registry projects, silent past their deadline (未申請)."""
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        await conn.execute(RESET_SQL)
        cycle_id = await insert_cycle(conn, min(end for _, end in projects))
        await conn.copy_records_to_table(
            "continuation_cycle_projects",
            schema_name="review",
            columns=["cycle_id", "project_id", "lead_lg_code", "term_end", "state", "snapshot",
                     "updated_at", "version"],
            records=[
                (cycle_id, pid, "012025", end, "not_submitted", snapshot(n, end),
                 datetime.now(TOKYO), 1)
                for n, (pid, end) in enumerate(projects)
            ],
        )  # fmt: skip
    finally:
        await conn.close()


async def _all_applied(database_url: str, count: int, deadline: float) -> float:
    """The time (``time.time()``) the last of ``count`` registry answers is seen stored on the
    cycle's rows, polled every ``POLL_SECONDS`` on one connection: the end of ours is known to
    that interval, not to a coarse poll that opens a connection each time."""
    conn = await asyncpg.connect(plain_url(database_url))
    query = (
        "SELECT count(*) FROM review.continuation_cycle_projects WHERE registry_result IS NOT NULL"
    )
    try:
        while (applied := int(await conn.fetchval(query))) < count:
            if time.time() > deadline:
                raise TimeoutError(f"only {applied} of {count} term ends reached the registry")
            await asyncio.sleep(POLL_SECONDS)
        return time.time()
    finally:
        await conn.close()


async def _floor(
    database_url: str, ids: list[uuid.UUID], warm_ids: list[uuid.UUID]
) -> tuple[float, int]:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        await conn.execute(FLOOR_SQL, warm_ids)
        started = time.perf_counter()
        status = await conn.execute(FLOOR_SQL, ids)
        return time.perf_counter() - started, int(status.split()[-1])
    finally:
        await conn.close()


def _through_the_path(
    ctx: Context, sweep: Any, redis_url: str, projects: list[tuple[uuid.UUID, date]]
) -> tuple[dict[str, Any], float]:
    """A cycle of ``projects`` swept; the sweep's figures and seconds until the last answer."""
    run_async(_seed(ctx.database_url, projects))
    as_of = datetime.combine(max(end for _, end in projects) + timedelta(days=1), clock(0), TOKYO)
    swept = sweep(as_of, redis_url)
    # From the sweep's own start (the child's time.time()), not its process's start-up.
    deadline = time.time() + max(600.0, len(projects))
    applied = run_async(_all_applied(ctx.database_url, len(projects), deadline))
    return swept, applied - swept["began"]


def run(ctx: Context, sweep: Any) -> Figure:
    """``sweep(as_of, redis_url)`` runs one timed sweep in its own process (bench/b4_sweep.py)."""
    wanted = 200 if ctx.quick else PROJECTS
    projects = run_async(_supported(ctx.database_url, 2 * (wanted + WARM_UP)))
    warm, projects = projects[: 2 * WARM_UP], projects[2 * WARM_UP :]
    count = min(wanted, len(projects) // 2)
    ours_projects, floor_ids = projects[:count], [pid for pid, _ in projects[count : 2 * count]]
    registry_port = free_port()
    env = service_env(
        ctx,
        ctx.database_url,
        redis_index(ctx.redis_url, 5),
        REGISTRY_URL=f"http://127.0.0.1:{registry_port}",
    )
    with processes(ctx, "b4-registry") as supervisor:
        serve(supervisor, "registry", cli("serve", "registry"), env, port=registry_port)
        supervisor.spawn("worker", cli("worker", "--service", "review"), env)
        supervisor.spawn("scheduler", cli("scheduler"), env)
        wait_for_worker(env["REDIS_URL"], "review")
        wait_for_scheduler(env["REDIS_URL"], "review")
        _through_the_path(ctx, sweep, env["REDIS_URL"], warm[:WARM_UP])
        swept, ours = _through_the_path(ctx, sweep, env["REDIS_URL"], ours_projects)
    warm_floor = [pid for pid, _ in warm[WARM_UP:]]
    floor, ended = run_async(_floor(ctx.database_url, floor_ids, warm_floor))
    return Figure(
        bench="B4",
        name=f"term ends of {count:,} projects reaching the registry (sweep → jobs → HTTP)",
        unit="s",
        ours=ours,
        floor=floor,
        higher_is_better=False,
        target=10.0,  # issue #20: the registry path ≤ 10× its floor
        differs="future term ends applied now (--apply-future-effects-now); the per-token limit"
        f" is lifted in the environment ({BENCH_RATE_LIMIT}) but the worker's service token is"
        " internal and never limited",
        size=f"{count:,} supported projects",
        notes={
            "ours": f"sweep {swept['seconds']:.1f} s, then {count / (ours - swept['seconds']):.0f}"
            " term ends/s through the outbox, the queue and the registry's API; begun once the"
            " scheduler led with its first periodic jobs done, its end seen by a poll every"
            f" {POLL_SECONDS * 1000:.0f} ms on one connection; timed warm, after {WARM_UP}"
            " other projects took the same path",
            "floor": f"one UPDATE ended {ended:,}, after one ending {WARM_UP} others",
        },
    )
