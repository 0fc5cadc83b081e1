"""The benchmark data generator: valid codes and kinds, and the counts it promises, at a tiny
scale."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import asyncpg
import pytest

from bench import lgs
from bench.common import create_database, drop_database
from bench.generate import LINKS_PER_PROJECT, generate, plain_url
from libs.common.fiscal_year import support_term_end
from libs.common.lg_code import PREFECTURES, kind_of, validate_lg_code
from libs.common.search_text import normalise_search_key


def test_the_plan_has_japans_1788_local_governments_with_valid_codes() -> None:
    rows = lgs.plan()
    assert len(rows) == 1_788
    assert len({r.code for r in rows}) == 1_788
    for row in rows:
        assert validate_lg_code(row.code) == row.code  # the check digit is right
        assert kind_of(row.code) == row.kind
        assert PREFECTURES[row.prefecture_code] == row.prefecture
    assert Counter(r.kind for r in rows) == {
        "prefecture": 47,
        "designated_city": 20,
        "special_ward": 23,
        "city": 772,
        "town_or_village": 926,
    }
    names = [(r.prefecture_code, r.name) for r in rows]
    assert len(set(names)) == len(names)
    assert sum(r.is_core_city for r in rows) == lgs.CORE_CITIES
    assert all(r.is_central_core_city for r in rows if r.is_core_city)


def test_the_plan_is_the_same_for_the_same_seed() -> None:
    assert lgs.plan(seed=7) == lgs.plan(seed=7)
    assert lgs.plan(seed=7) != lgs.plan(seed=8)


@pytest.fixture
async def bench_database(server_urls: tuple[str, str]) -> AsyncIterator[str]:
    url = await create_database(server_urls[0], "_gentest")
    yield url
    await drop_database(server_urls[0], url)


async def test_a_tiny_scale_writes_what_it_promises(bench_database: str) -> None:
    sizes = await generate(bench_database, scale=0.002, progress=lambda _: None)
    conn = await asyncpg.connect(plain_url(bench_database))
    try:
        generated = await conn.fetch(
            "SELECT id, selection_fiscal_year, term_end, extensions FROM registry.projects"
            " WHERE title LIKE '%における%を活用した%事業'"
        )
        leads = await conn.fetch(
            "SELECT project_id, count(*) FILTER (WHERE is_lead) AS leads,"
            " count(DISTINCT lg.prefecture_code) AS prefectures FROM registry.project_proposers"
            " JOIN registry.local_governments lg ON lg.code = lg_code GROUP BY project_id"
        )
        members = await conn.fetch(
            "SELECT organisation, organisation_key FROM registry.council_members"
        )
        years = {r["selection_fiscal_year"] for r in generated}
    finally:
        await conn.close()
    assert sizes["local_governments"] == 1_788
    assert len(generated) == 20
    assert sizes["contacts"] == 200
    assert sizes["contact_links"] == 20 * LINKS_PER_PROJECT
    assert len(years) == 10  # ten consecutive fiscal years
    assert max(years) - min(years) == 9
    for project in generated:
        fy, extensions = project["selection_fiscal_year"], project["extensions"]
        assert project["term_end"] == support_term_end(fy, extensions)
    assert all(r["leads"] == 1 and r["prefectures"] == 1 for r in leads)
    assert all(m["organisation_key"] == normalise_search_key(m["organisation"]) for m in members)
