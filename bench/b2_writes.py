"""B2 registry writes: adding council members, and ``If-Match`` updates of contacts.

``POST /v1/councils/{id}/members`` and ``PATCH /v1/contacts/{id}`` (If-Match with the ETag the
previous answer gave) against ``jisso serve registry``; the floor is ``bench.floor_app`` doing the
same rows in one transaction with raw asyncpg: the member insert, the council's version step and
the audit event; the locked read, the versioned update, the links and the audit event. The httpx
driver runs as ``DRIVER_PROCESSES`` processes sharing the connections (one process saturated its
core during every floor run, so the floor's figure was the driver's ceiling); each reports its
CPU. Each connection owns distinct councils and contacts, so no write races another and every
non-2xx answer counts as an error. Ours and the floor work on disjoint halves of the same rows,
interleaved for ``ctx.rounds`` rounds; the verdict is on server CPU per request.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable

import asyncpg

from bench.common import (
    LIFTED_RATE_LIMIT,
    Context,
    Figure,
    cli,
    processes,
    run_async,
    serve,
    service_env,
)
from bench.generate import plain_url
from bench.loadgen import run_drivers
from bench.rounds import Sample, cost_figure, interleave, sample_of
from libs.common.settings import Settings

CONNECTIONS = 32
DRIVER_PROCESSES = 3
ROWS_PER_SIDE = 2_000
WARMUP_SECONDS = 2.0
TARGET = 0.4  # floor CPU ÷ ours CPU per request (issue #20)


async def _ids(database_url: str, table: str) -> list[str]:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        rows = await conn.fetch(
            f"SELECT id FROM registry.{table} WHERE version = 1 ORDER BY id LIMIT $1",
            2 * ROWS_PER_SIDE,
        )
    finally:
        await conn.close()
    return [str(r["id"]) for r in rows]


def measure(ctx: Context, url: str, pid: int, mode: str, ids: list[str]) -> Sample:
    """One run: two seconds' warm-up, then ``ctx.seconds`` measured, server CPU over those."""
    tag = uuid.uuid4().hex[:6]
    return sample_of(
        run_drivers(
            url,
            mode,
            ids,
            ctx.token,
            CONNECTIONS,
            ctx.seconds,
            WARMUP_SECONDS,
            DRIVER_PROCESSES,
            tag,
            server_pid=pid,
        )
    )


def compare(
    ctx: Context, name: str, mode: str, ids: list[str], servers: dict[str, tuple[str, int]]
) -> Figure:
    """Ours on one half of the rows, the floor on the other, interleaved."""
    half = len(ids) // 2
    halves = {"ours": ids[:half], "floor": ids[half : 2 * half]}

    def run(side: str, _: int) -> Sample:
        url, pid = servers[side]
        return measure(ctx, url, pid, mode, halves[side])

    samples = interleave(ctx.rounds, run)
    differs = (
        f"{LIFTED_RATE_LIMIT}; pool as shipped on both sides; {DRIVER_PROCESSES} driver processes"
    )
    size = ctx.size_text("councils", "council_members", "contacts")
    return cost_figure("B2", f"{name}, {CONNECTIONS} connections", TARGET, samples, size, differs)


def run(ctx: Context, report: Callable[[Figure], None]) -> list[Figure]:
    settings = Settings()
    env = service_env(ctx, ctx.database_url, ctx.redis_url)
    floor_env = {
        **env,
        "FLOOR_POOL_MIN": str(settings.db_pool_size),
        "FLOOR_POOL_MAX": str(settings.db_pool_size + settings.db_max_overflow),
    }
    cases = {
        "POST /v1/councils/{id}/members": ("members", "councils"),
        "PATCH /v1/contacts/{id} (If-Match)": ("contacts", "contacts"),
    }
    figures = []
    with processes(ctx, "b2") as supervisor:
        servers = {
            "ours": serve(supervisor, "registry", cli("serve", "registry"), env),
            "floor": serve(
                supervisor, "floor", [sys.executable, "-m", "bench.floor_app"], floor_env
            ),
        }
        for name, (mode, table) in cases.items():
            ids = run_async(_ids(ctx.database_url, table))
            figures.append(compare(ctx, name, mode, ids, servers))
            report(figures[-1])
    return figures
