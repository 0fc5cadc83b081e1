"""B1 registry reads: ``GET /v1/projects`` (filters, a page of 50) and ``GET /v1/projects/{id}``.

Ours is ``jisso serve registry`` (uvicorn, uvloop, httptools) as a real process; the floor is
``bench.floor_app`` — the same SQL on raw asyncpg behind a minimal Starlette route — served the
same way with the same pool ceiling (pool_size + max_overflow of the registry's settings). The
load comes from another process (wrk, else the httpx driver) at 32 and 64 connections. Each
server is warmed up for two seconds before it is measured; its CPU time per request is reported
too, because on a shared machine it moves less than requests per second.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from urllib.parse import quote

import asyncpg

from bench.common import Context, Figure, cli, cpu_seconds, processes, run_async, serve, service_env
from bench.generate import plain_url
from bench.loadgen import LoadResult, run_driver, run_wrk, wrk_path
from bench.texts import TECHNOLOGIES
from libs.common.settings import Settings

CONNECTIONS = (32, 64)
DETAIL_IDS = 2_000
WARMUP_SECONDS = 2.0


async def _project_ids(database_url: str, count: int) -> list[str]:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        rows = await conn.fetch(
            "SELECT id FROM registry.projects ORDER BY random() LIMIT $1", count
        )
    finally:
        await conn.close()
    return [str(r["id"]) for r in rows]


async def _sessions(database_url: str) -> int:
    """Connections the server has opened to this database so far (pg_stat_database)."""
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        name = database_url.rsplit("/", 1)[1]
        query = "SELECT sessions FROM pg_stat_database WHERE datname = $1"
        return int(await conn.fetchval(query, name) or 0)
    finally:
        await conn.close()


def list_paths(years: list[int]) -> list[str]:
    """Every fiscal year × technology filter, a page of 50 (each matches ~150 of ~1,000)."""
    return [
        f"/v1/projects?fiscal_year={fy}&technology={quote(tech)}&limit=50"
        for fy in years
        for tech in TECHNOLOGIES
    ]


def load(
    base_url: str, paths: list[str], ctx: Context, connections: int, seconds: float
) -> LoadResult:
    if wrk_path():
        return run_wrk(base_url, paths, ctx.token, connections, seconds)
    return run_driver(base_url, "get", paths, ctx.token, connections, seconds)


def measure(
    ctx: Context, base_url: str, pid: int, paths: list[str], connections: int
) -> tuple[LoadResult, float, int]:
    """(load result, server CPU ms per request, new database sessions) of one measured run."""
    load(base_url, paths, ctx, connections, WARMUP_SECONDS)
    sessions, cpu = run_async(_sessions(ctx.database_url)), cpu_seconds(pid)
    result = load(base_url, paths, ctx, connections, ctx.seconds)
    cpu_ms = (cpu_seconds(pid) - cpu) * 1e3 / max(result.requests, 1)
    return result, cpu_ms, run_async(_sessions(ctx.database_url)) - sessions


def compare(
    ctx: Context, name: str, paths: list[str], servers: dict[str, tuple[str, int]], connections: int
) -> Figure:
    runs = {
        side: measure(ctx, url, pid, paths, connections) for side, (url, pid) in servers.items()
    }
    (ours, ours_cpu, ours_sessions), (floor, floor_cpu, _) = runs["ours"], runs["floor"]
    errors = ours.errors + floor.errors
    return Figure(
        bench="B1",
        name=f"{name}, {connections} connections",
        unit="req/s",
        ours=ours.rps,
        floor=floor.rps,
        higher_is_better=True,
        target=0.5,
        size=ctx.size_text("projects", "local_governments"),
        notes={
            "p50/p99 ours": f"{ours.p50_ms:.0f}/{ours.p99_ms:.0f} ms",
            "p50/p99 floor": f"{floor.p50_ms:.0f}/{floor.p99_ms:.0f} ms",
            "server CPU/request": f"ours {ours_cpu:.2f} ms, floor {floor_cpu:.2f} ms",
            "new DB connections (ours)": str(ours_sessions),
            "errors": str(errors),
            "load": f"{ours.tool}, {ours.requests:,} + {floor.requests:,} requests",
        },
    )


def run(ctx: Context, report: Callable[[Figure], None]) -> list[Figure]:
    settings = Settings()
    pool = settings.db_pool_size + settings.db_max_overflow
    env = service_env(ctx, ctx.database_url, ctx.redis_url)
    floor_env = {**env, "FLOOR_POOL_MIN": str(settings.db_pool_size), "FLOOR_POOL_MAX": str(pool)}
    ids = run_async(_project_ids(ctx.database_url, DETAIL_IDS))
    years = run_async(_fiscal_years(ctx.database_url))
    cases = {
        "GET /v1/projects?fiscal_year&technology&limit=50": list_paths(years),
        "GET /v1/projects/{id}": [f"/v1/projects/{i}" for i in ids],
    }
    figures = []
    with processes(ctx, "b1") as supervisor:
        servers = {
            "ours": serve(supervisor, "registry", cli("serve", "registry"), env),
            "floor": serve(
                supervisor, "floor", [sys.executable, "-m", "bench.floor_app"], floor_env
            ),
        }
        for name, paths in cases.items():
            random.shuffle(paths)
            for connections in CONNECTIONS:
                figures.append(compare(ctx, name, paths, servers, connections))
                report(figures[-1])
    return figures


async def _fiscal_years(database_url: str) -> list[int]:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        rows = await conn.fetch(
            "SELECT DISTINCT selection_fiscal_year FROM registry.projects ORDER BY 1"
        )
    finally:
        await conn.close()
    return [r[0] for r in rows]
