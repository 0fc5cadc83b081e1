"""B1 registry reads: the project list, a project by id, and the contact list as a municipality.

Ours is ``jisso serve registry`` (uvicorn, uvloop, httptools) as a real process; the floor is
``bench.floor_app`` — the same SQL on raw asyncpg behind a minimal Starlette route, with the
registry's own token cache and serializer — served the same way with the same pool (pool_size
and max_overflow of the shipped settings). The load comes from other processes (wrk when
installed, else the httpx driver split over ``DRIVER_PROCESSES``). Per route, ours and the floor
run interleaved for ``ctx.rounds`` rounds; the verdict is on server CPU per request.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import quote

import asyncpg

from bench.common import (
    LIFTED_RATE_LIMIT,
    Context,
    Figure,
    cli,
    cpu_seconds,
    processes,
    run_async,
    serve,
    service_env,
)
from bench.generate import plain_url
from bench.loadgen import run_drivers, run_wrk, wrk_path
from bench.rounds import Sample, cost_figure, interleave, sample_of
from bench.texts import TECHNOLOGIES
from libs.common.auth import Role
from libs.common.settings import Settings

CONNECTIONS = 32
DRIVER_PROCESSES = 2  # a Python driver saturates its core before the server does
DETAIL_IDS = 2_000
WARMUP_SECONDS = 2.0
TARGET = 0.5  # floor CPU ÷ ours CPU per request (issue #20)


async def _fetch_column(database_url: str, query: str, *args: object) -> list[object]:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        return [r[0] for r in await conn.fetch(query, *args)]
    finally:
        await conn.close()


def list_paths(years: list[int]) -> list[str]:
    """Every fiscal year × technology filter, a page of 50 (each matches ~150 of ~1,000)."""
    return [
        f"/v1/projects?fiscal_year={fy}&technology={quote(tech)}&limit=50"
        for fy in years
        for tech in TECHNOLOGIES
    ]


def measure(base_url: str, pid: int, paths: list[str], token: str, seconds: float) -> Sample:
    """One run (two seconds' warm-up, then ``seconds`` measured): the load's figures and the
    server tree's CPU per request over the measured seconds."""
    if not wrk_path():
        return sample_of(
            run_drivers(
                base_url,
                "get",
                paths,
                token,
                CONNECTIONS,
                seconds,
                WARMUP_SECONDS,
                DRIVER_PROCESSES,
                server_pid=pid,
            )
        )
    run_wrk(base_url, paths, token, CONNECTIONS, WARMUP_SECONDS)
    cpu = cpu_seconds(pid)
    result = run_wrk(base_url, paths, token, CONNECTIONS, seconds)
    return sample_of(replace(result, server_cpu=cpu_seconds(pid) - cpu))


def compare(
    ctx: Context,
    name: str,
    case: tuple[list[str], str],
    servers: dict[str, tuple[str, int]],
    size: str,
) -> Figure:
    paths, token = case

    def run(side: str, _: int) -> Sample:
        url, pid = servers[side]
        return measure(url, pid, paths, token, ctx.seconds)

    samples = interleave(ctx.rounds, run)
    differs = f"{LIFTED_RATE_LIMIT}; pool as shipped on both sides"
    return cost_figure("B1", f"{name}, {CONNECTIONS} connections", TARGET, samples, size, differs)


def cases(ctx: Context) -> dict[str, tuple[list[str], str]]:
    """Route → (paths, token)."""
    url = ctx.database_url
    ids = run_async(
        _fetch_column(
            url, "SELECT id FROM registry.projects ORDER BY random() LIMIT $1", DETAIL_IDS
        )
    )
    years = run_async(
        _fetch_column(
            url, "SELECT DISTINCT selection_fiscal_year FROM registry.projects ORDER BY 1"
        )
    )
    # The municipality with the most contacts: its first page is a full one.
    owners = run_async(
        _fetch_column(
            url,
            "SELECT lg_code FROM registry.contacts WHERE lg_code IS NOT NULL"
            " GROUP BY lg_code ORDER BY count(*) DESC, lg_code LIMIT 1",
        )
    )
    municipal = ctx.token_for(Role.municipality, str(owners[0]))
    return {
        "GET /v1/projects?fiscal_year&technology&limit=50": (list_paths(years), ctx.token),
        "GET /v1/projects/{id}": ([f"/v1/projects/{i}" for i in ids], ctx.token),
        "GET /v1/contacts?limit=50 as a municipality": (["/v1/contacts?limit=50"], municipal),
    }


def run(ctx: Context, report: Callable[[Figure], None]) -> list[Figure]:
    settings = Settings()
    pool = settings.db_pool_size + settings.db_max_overflow
    env = service_env(ctx, ctx.database_url, ctx.redis_url)
    floor_env = {**env, "FLOOR_POOL_MIN": str(settings.db_pool_size), "FLOOR_POOL_MAX": str(pool)}
    sizes = {
        "GET /v1/contacts?limit=50 as a municipality": ctx.size_text("contacts", "contact_links"),
    }
    figures = []
    with processes(ctx, "b1") as supervisor:
        servers = {
            "ours": serve(supervisor, "registry", cli("serve", "registry"), env),
            "floor": serve(
                supervisor, "floor", [sys.executable, "-m", "bench.floor_app"], floor_env
            ),
        }
        for name, (paths, token) in cases(ctx).items():
            random.shuffle(paths)
            size = sizes.get(name, ctx.size_text("projects", "local_governments"))
            figures.append(compare(ctx, name, (paths, token), servers, size))
            report(figures[-1])
    return figures
