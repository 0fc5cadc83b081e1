"""The plans of the list routes' statements: EXPLAIN (ANALYZE, BUFFERS) on the generated data.

At ``BENCH_SCALE=10`` (100,000 projects, 1,000,000 contacts) this is the section "At ten times
the data": every list must stay index-backed, its cost bounded by the page, not the table. The
statements are the registry's: the project list is the one SQLAlchemy emits (``floor_app``
carries it verbatim); the contact list is one statement with each contact's links aggregated in
its row, as the contacts repository reads it (``floor_app`` carries it too); the council list is
its page, then its members by ``council_id IN (…)`` (``selectinload``).
A plan is called index-backed when no sequential scan touches a table that grows with the data.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg

from bench.common import Context, run_async
from bench.floor_app import (
    ALL_CONTACTS_SQL,
    LIST_SQL,
    OWN_CONTACTS_SQL,
    SUPPRESSED_CONTACTS_SQL,
)
from bench.generate import plain_url
from bench.texts import TECHNOLOGIES

GROWING = ("projects", "project_proposers", "project_initiatives", "councils",
           "council_members", "contacts", "contact_links")  # fmt: skip
COUNCIL_PAGE = "SELECT * FROM registry.councils ORDER BY registry.councils.id LIMIT $1"
COUNCIL_MEMBERS = (
    "SELECT * FROM registry.council_members"
    " WHERE registry.council_members.council_id = ANY($1::uuid[])"
)


async def _statements(conn: asyncpg.Connection) -> dict[str, tuple[str, tuple[Any, ...]]]:
    year = await conn.fetchval("SELECT max(selection_fiscal_year) FROM registry.projects")
    owner = await conn.fetchval(
        "SELECT lg_code FROM registry.contacts WHERE lg_code IS NOT NULL"
        " GROUP BY lg_code ORDER BY count(*) DESC, lg_code LIMIT 1"
    )
    council_ids = [r[0] for r in await conn.fetch(COUNCIL_PAGE.replace("*", "id", 1), 51)]
    return {
        "GET /v1/projects?fiscal_year&technology&limit=50": (
            LIST_SQL, (year, [TECHNOLOGIES[0]], 51),
        ),
        "GET /v1/contacts?limit=50 as a municipality": (OWN_CONTACTS_SQL, (owner, 51)),
        "GET /v1/contacts?limit=50 as an operator": (ALL_CONTACTS_SQL, (51,)),
        "GET /v1/contacts?suppressed=true&limit=50 as an operator": (
            SUPPRESSED_CONTACTS_SQL, (51,),
        ),
        "GET /v1/councils?limit=50: the page": (COUNCIL_PAGE, (51,)),
        "GET /v1/councils: the page's members": (COUNCIL_MEMBERS, (council_ids,)),
    }  # fmt: skip


def sequential_scans(plan: str) -> list[str]:
    """The growing tables a plan reads from end to end."""
    scanned = re.findall(r"Seq Scan on (?:registry\.)?(\w+)", plan)
    return sorted({t for t in scanned if t in GROWING})


async def _explain(database_url: str) -> dict[str, str]:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        plans = {}
        for route, (sql, args) in (await _statements(conn)).items():
            rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
            plans[route] = "\n".join(r[0] for r in rows)
        return plans
    finally:
        await conn.close()


def section(ctx: Context) -> list[str]:
    """The report's section: each statement's plan and whether it is index-backed."""
    plans = run_async(_explain(ctx.database_url))
    title = (
        "At ten times the data"
        if ctx.scale >= 10
        else f"Plans of the list routes at scale {ctx.scale:g}"
    )
    lines = [
        f"## {title}",
        "",
        f"Data: {ctx.size_text('projects', 'contacts', 'contact_links', 'councils')}."
        + ("" if ctx.scale >= 10 else " `BENCH_SCALE=10 make bench` makes this section the"
           " one at ten times the data (100,000 projects, 1,000,000 contacts)."),
        "",
    ]  # fmt: skip
    for route, plan in plans.items():
        scans = sequential_scans(plan)
        verdict = "index-backed" if not scans else f"**NOT index-backed**: scans {', '.join(scans)}"
        lines += [f"### {route} — {verdict}", "", "```", plan, "```", ""]
    return lines
