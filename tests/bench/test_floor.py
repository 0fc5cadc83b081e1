"""The B1/B2 floor answers the reads exactly as the registry does: a floor that drifts from the
product (a field it leaves out, a visibility rule it skips) would do less work and flatter no one
— the comparison would be unfair to ours. Both run as real servers on the same generated data."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import asyncpg
import httpx
import pytest

from bench.common import (
    Context,
    cli,
    create_database,
    drop_database,
    processes,
    run_async,
    serve,
    service_env,
)
from bench.generate import generate, plain_url
from libs.common.auth import Role


@pytest.fixture
def bench_context(server_urls: tuple[str, str], tmp_path: Path) -> Iterator[Context]:
    admin, redis_url = server_urls
    url = run_async(create_database(admin, "_floortest"))
    try:
        sizes = run_async(generate(url, scale=0.01, progress=lambda _: None))
        yield Context(admin, url, redis_url, tmp_path, 0.01, 1.0, True, sizes)
    finally:
        run_async(drop_database(admin, url))


async def _samples(url: str) -> tuple[str, str, int, str]:
    conn = await asyncpg.connect(plain_url(url))
    try:
        owner = await conn.fetchval(
            "SELECT lg_code FROM registry.contacts WHERE lg_code IS NOT NULL"
            " GROUP BY lg_code ORDER BY count(*) DESC, lg_code LIMIT 1"
        )
        row = await conn.fetchrow(
            "SELECT id, selection_fiscal_year, technologies[1] AS tech FROM registry.projects"
            " ORDER BY id LIMIT 1"
        )
    finally:
        await conn.close()
    return owner, str(row["id"]), row["selection_fiscal_year"], row["tech"]


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    """The body with ``next`` reduced to its path and query (the two servers' ports differ)."""
    if body.get("next"):
        parts = urlsplit(body["next"])
        body = {**body, "next": f"{parts.path}?{parts.query}"}
    return body


def test_the_floor_answers_the_reads_as_the_registry_does(bench_context: Context) -> None:
    ctx = bench_context
    owner, project_id, year, tech = run_async(_samples(ctx.database_url))
    municipal = ctx.token_for(Role.municipality, owner)
    reads = [
        (municipal, "/v1/contacts?limit=3"),
        (ctx.token, "/v1/contacts?limit=3"),
        (ctx.token, f"/v1/projects/{project_id}"),
        (ctx.token, f"/v1/projects?fiscal_year={year}&technology={quote(tech)}&limit=2"),
    ]
    env = service_env(ctx, ctx.database_url, ctx.redis_url)
    with processes(ctx, "floor-test") as supervisor:
        ours, _ = serve(supervisor, "registry", cli("serve", "registry"), env)
        floor, _ = serve(supervisor, "floor", [sys.executable, "-m", "bench.floor_app"], env)
        for token, path in reads:
            headers = {"Authorization": f"Bearer {token}"}
            a, b = httpx.get(ours + path, headers=headers), httpx.get(floor + path, headers=headers)
            assert (a.status_code, b.status_code) == (200, 200), path
            assert _comparable(a.json()) == _comparable(b.json()), path
            assert a.headers.get("etag") == b.headers.get("etag"), path
        own = httpx.get(floor + reads[0][1], headers={"Authorization": f"Bearer {municipal}"})
        assert own.json()["next"]  # a full page: the cursor is compared too
        assert {item["lg_code"] for item in own.json()["items"]} == {owner}


async def _write_targets(url: str) -> tuple[list[str], list[str]]:
    conn = await asyncpg.connect(plain_url(url))
    try:
        councils = await conn.fetch("SELECT id FROM registry.councils ORDER BY id LIMIT 2")
        contacts = await conn.fetch("SELECT id FROM registry.contacts ORDER BY id LIMIT 2")
    finally:
        await conn.close()
    return [str(r["id"]) for r in councils], [str(r["id"]) for r in contacts]


def _shape(body: dict[str, Any], varying: set[str]) -> dict[str, Any]:
    return {k: ("…" if k in varying else v) for k, v in body.items()}


def test_the_floor_writes_answer_as_the_registrys_do(bench_context: Context) -> None:
    """The same member added and the same contact change, each to its own row on each side:
    the same fields and values but for the row's own (ids, ETags, positions)."""
    ctx = bench_context
    councils, contacts = run_async(_write_targets(ctx.database_url))
    env = service_env(ctx, ctx.database_url, ctx.redis_url)
    headers = {"Authorization": f"Bearer {ctx.token}"}
    with processes(ctx, "floor-writes") as supervisor:
        servers = {
            "ours": serve(supervisor, "registry", cli("serve", "registry"), env)[0],
            "floor": serve(supervisor, "floor", [sys.executable, "-m", "bench.floor_app"], env)[0],
        }
        # Before any change: the same contact's representation ETag on both sides.
        tags = {
            httpx.patch(
                f"{base}/v1/contacts/{contacts[0]}", json={}, headers={**headers, "If-Match": '"x"'}
            ).json()["current_etag"]
            for base in servers.values()
        }
        assert len(tags) == 1
        members, changed = {}, {}
        for n, (side, base) in enumerate(servers.items()):
            member = {"organisation": "ベンチ比較工業", "category": "private_company"}
            members[side] = httpx.post(
                f"{base}/v1/councils/{councils[n]}/members", json=member, headers=headers
            )
            url = f"{base}/v1/contacts/{contacts[n]}"
            etag = httpx.patch(url, json={}, headers={**headers, "If-Match": '"x"'}).json()
            change = {"phone": "03-0000-0000", "organisation": "ベンチ比較課"}
            changed[side] = httpx.patch(
                url, json=change, headers={**headers, "If-Match": etag["current_etag"]}
            )
    for answers, varying in (
        (members, {"id", "council_id", "etag", "position"}),
        (changed, {"id", "name", "email", "links", "stakeholder_category", "lg_code", "version"}),
    ):
        ours, floor = answers["ours"], answers["floor"]
        assert ours.status_code == floor.status_code, ours.text
        assert _shape(ours.json(), varying) == _shape(floor.json(), varying)
