"""B2 registry writes: adding council members, and ``If-Match`` updates of contacts.

``POST /v1/councils/{id}/members`` and ``PATCH /v1/contacts/{id}`` (If-Match with the ETag the
previous answer gave) against ``jisso serve registry``; the floor is ``bench.floor_app`` doing the
same rows in one transaction with raw asyncpg: the member insert, the council's version step and
the audit event; the locked read, the versioned update, the links and the audit event. The httpx
driver runs in its own process; each of its connections owns distinct councils and contacts, so
no write races another and every non-2xx answer counts as an error. Ours and the floor work on
disjoint halves of the same rows, so each starts from unchanged data.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import asyncpg

from bench.common import Context, Figure, cli, cpu_seconds, processes, run_async, serve, service_env
from bench.generate import plain_url
from bench.loadgen import run_driver
from libs.common.settings import Settings

CONNECTIONS = 32
ROWS_PER_SIDE = 2_000


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


def compare(
    ctx: Context, name: str, mode: str, ids: list[str], servers: dict[str, tuple[str, int]]
) -> Figure:
    """Ours on one half of the rows, the floor on the other, one after the other."""
    half = len(ids) // 2
    halves = {"ours": ids[:half], "floor": ids[half : 2 * half]}
    results = {}
    for side, (url, pid) in servers.items():
        cpu = cpu_seconds(pid)
        result = run_driver(url, mode, halves[side], ctx.token, CONNECTIONS, ctx.seconds, 2.0)
        results[side] = (result, cpu_seconds(pid) - cpu)
    (ours, ours_cpu), (floor, floor_cpu) = results["ours"], results["floor"]
    return Figure(
        bench="B2",
        name=f"{name}, {CONNECTIONS} connections",
        unit="req/s",
        ours=ours.rps,
        floor=floor.rps,
        higher_is_better=True,
        target=0.4,
        size=ctx.size_text("councils", "council_members", "contacts"),
        notes={
            "p50/p99 ours": f"{ours.p50_ms:.0f}/{ours.p99_ms:.0f} ms",
            "p50/p99 floor": f"{floor.p50_ms:.0f}/{floor.p99_ms:.0f} ms",
            "server CPU (whole run incl. warm-up)": f"ours {ours_cpu:.1f} s,"
            f" floor {floor_cpu:.1f} s",
            "errors": f"ours {ours.errors}, floor {floor.errors}",
            "load": f"{ours.tool}, {ours.requests:,} + {floor.requests:,} requests",
        },
    )


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
