"""Realistic registry volumes, written straight to PostgreSQL with COPY.

At ``--scale 1``: the 1,788 local governments (``bench.lgs``), 10,000 projects selected over ten
fiscal years — each with one to three proposers of one prefecture (one lead), a council of four
to ten member organisations and up to three initiatives — and 100,000 contacts, four per project
linked to it or its council. ``--scale N`` multiplies projects and contacts (local governments are
a fixed set). The seed document's facts (programmes, grant schemes, symposia) are loaded first by
the real seed, so generated projects belong to real programmes.

    python -m bench.generate --database-url postgresql://… [--scale 10]

Rows are built in chunks and copied table by table, so memory stays flat at any scale.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, field
from datetime import date
from typing import Any

import asyncpg

from bench import lgs, texts
from libs.common.db import async_url
from libs.common.email_identity import address_key
from libs.common.fiscal_year import support_term_end, support_term_start, today_tokyo
from libs.common.migrations import upgrade
from libs.common.search_text import normalise_search_key
from libs.common.settings import load_settings
from services.catalogue import SERVICE_NAMES
from services.registry.contacts.service import search_key as contact_search_key
from services.registry.local_governments.models import LocalGovernment
from services.registry.projects.service import search_key_for

PROJECTS_PER_SCALE = 10_000
CONTACTS_PER_SCALE = 100_000
FISCAL_YEARS = 10  # the ten fiscal years up to this one
CHUNK = 2_000
LINKS_PER_PROJECT = 4  # three contacts of the project, one of its council
SIZE_TABLES = (
    "local_governments",
    "projects",
    "project_proposers",
    "councils",
    "council_members",
    "contacts",
    "contact_links",
)
Progress = Callable[[str], None]


def plain_url(url: str) -> str:
    """asyncpg's form of a SQLAlchemy URL (``postgresql+asyncpg://`` → ``postgresql://``)."""
    return async_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


@dataclass
class Owner:
    """What contacts need to know of a generated project."""

    project_id: uuid.UUID
    council_id: uuid.UUID
    lead: LocalGovernment


@dataclass
class Chunk:
    """Rows of one chunk, by table."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows.setdefault(table, []).append(row)


COLUMNS = {
    "projects": (
        "id", "programme_id", "title", "selection_fiscal_year", "term_start", "term_end",
        "extensions", "status", "ended_on", "end_reason", "technologies", "tags",
        "future_vision", "regional_issues", "summary", "search_key", "version",
    ),
    "project_proposers": ("project_id", "lg_code", "is_lead", "position"),
    "project_initiatives": ("id", "project_id", "title", "description", "position"),
    "councils": ("id", "project_id", "name", "version"),
    "council_members": (
        "id", "council_id", "organisation", "organisation_key", "category", "role", "lg_code",
        "position", "version",
    ),
    "contacts": (
        "id", "name", "email", "email_key", "phone", "organisation", "search_key",
        "stakeholder_category", "lg_code", "suppression", "suppression_reason", "suppressed_at",
        "version",
    ),
    "contact_links": ("id", "contact_id", "project_id", "council_id"),
    "local_governments": (
        "code", "name", "kana", "prefecture_code", "prefecture", "kind", "is_core_city",
        "is_central_core_city", "search_key", "version",
    ),
}  # fmt: skip


async def _copy(conn: asyncpg.Connection, chunk: Chunk) -> None:
    async with conn.transaction():
        for table, rows in chunk.rows.items():
            await conn.copy_records_to_table(
                table, schema_name="registry", columns=list(COLUMNS[table]), records=rows
            )


async def _local_governments(conn: asyncpg.Connection) -> list[LocalGovernment]:
    """The plan's rows that are not there yet (the seed's keep their real names), then all."""
    present = {r["code"] for r in await conn.fetch("SELECT code FROM registry.local_governments")}
    chunk = Chunk()
    for row in lgs.plan():
        if row.code not in present:
            chunk.add("local_governments", (*astuple(row), 1))
    await _copy(conn, chunk)
    query = "SELECT code, name, kana, prefecture, kind FROM registry.local_governments"
    return [LocalGovernment(**dict(r)) for r in await conn.fetch(query)]


class ProjectMaker:
    """One project with proposers, initiatives, council and members, as COPY rows."""

    def __init__(self, rng: random.Random, governments: Sequence[LocalGovernment]) -> None:
        self.rng = rng
        self.today = today_tokyo()
        self.by_prefecture: dict[str, list[LocalGovernment]] = {}
        self.prefectures: dict[str, LocalGovernment] = {}
        for lg in governments:
            if lg.kind == "prefecture":
                self.prefectures[lg.prefecture] = lg
            else:
                self.by_prefecture.setdefault(lg.prefecture, []).append(lg)
        self.prefecture_names = sorted(self.by_prefecture)

    def proposers(self) -> list[LocalGovernment]:
        """One to three of one prefecture, the lead first; sometimes the prefecture leads."""
        pref = self.rng.choice(self.prefecture_names)
        count = self.rng.choices((1, 2, 3), weights=(70, 20, 10))[0]
        chosen = self.rng.sample(self.by_prefecture[pref], count)
        if self.rng.random() < 0.05:
            chosen.insert(0, self.prefectures[pref])
        return chosen[:3]

    def term(self, fy: int) -> tuple[date, int, str, date | None, str | None]:
        """(term end, extensions, status, ended on, end reason) as of today."""
        end = support_term_end(fy)
        if self.rng.random() < 0.02:
            return end, 0, "withdrawn", None, None
        if end >= self.today:
            return end, 0, "supported", None, None
        if self.rng.random() < 0.6:
            return end, 0, "ended", end, "継続申請なし（支援期間満了）"
        extended = support_term_end(fy, 1)
        if extended >= self.today:
            return extended, 1, "extended", None, None
        return extended, 1, "ended", extended, "支援期間満了"

    def make(self, chunk: Chunk, fy: int, programme_id: str) -> Owner:
        rng = self.rng
        project_id, council_id = _uuid(rng), _uuid(rng)
        proposers = self.proposers()
        lead = proposers[0]
        place = lead.name if lead.kind == "prefecture" else f"{lead.prefecture}{lead.name}"
        techs = rng.sample(texts.TECHNOLOGIES, rng.randint(1, 3))
        title = texts.title(rng, place, techs)
        term_end, extensions, status, ended_on, reason = self.term(fy)
        chunk.add(
            "projects",
            (
                project_id, programme_id, title, fy, support_term_start(fy), term_end,
                extensions, status, ended_on, reason, techs,
                rng.sample(("実証", "広域連携", "官民連携", "横展開"), rng.randint(0, 2)),
                texts.vision(rng, place), texts.section(rng, 2), texts.section(rng, 3),
                search_key_for(title, proposers), 1,
            ),
        )  # fmt: skip
        for position, lg in enumerate(proposers):
            chunk.add("project_proposers", (project_id, lg.code, position == 0, position))
        for position in range(rng.randint(0, 3)):
            text = texts.section(rng, 2)
            initiative = rng.choice(texts.INITIATIVES)
            chunk.add("project_initiatives", (_uuid(rng), project_id, initiative, text, position))
        chunk.add("councils", (council_id, project_id, f"{place} 未来技術社会実装協議会", 1))
        self.members(chunk, council_id, proposers, place)
        return Owner(project_id, council_id, lead)

    def members(
        self, chunk: Chunk, council_id: uuid.UUID, proposers: list[LocalGovernment], place: str
    ) -> None:
        rng = self.rng
        prefecture = self.prefectures[proposers[0].prefecture]
        governments = list(dict.fromkeys([*proposers, prefecture]))
        members: list[tuple[str, str, str, str | None]] = [
            (lg.name, "local_government", "chair" if i == 0 else "member", lg.code)
            for i, lg in enumerate(governments)
        ]
        for company in rng.sample(texts.COMPANIES, rng.randint(1, 3)):
            members.append((f"株式会社{company}", "private_company", "member", None))
        if rng.random() < 0.6:
            members.append((rng.choice(texts.UNIVERSITIES), "university", "member", None))
        if rng.random() < 0.5:
            members.append(
                (f"{place}{rng.choice(texts.PUBLIC_BODIES)}", "public_body", "member", None)
            )
        members.append(("内閣府 地方創生推進事務局", "ministry", "onsite_support_lead", None))
        for position, (organisation, category, role, code) in enumerate(members):
            key = normalise_search_key(organisation)
            row = (_uuid(rng), council_id, organisation, key, category, role, code, position, 1)
            chunk.add("council_members", row)


async def _projects(
    conn: asyncpg.Connection,
    rng: random.Random,
    governments: Sequence[LocalGovernment],
    count: int,
    progress: Progress,
) -> list[Owner]:
    programmes = {
        r["mark"]: r["id"] for r in await conn.fetch("SELECT id, mark FROM registry.programmes")
    }
    future_tech = programmes.pop("☆")
    others = sorted(programmes.values())
    last_fy = today_tokyo().year if today_tokyo().month >= 4 else today_tokyo().year - 1
    maker = ProjectMaker(rng, governments)
    owners: list[Owner] = []
    for start in range(0, count, CHUNK):
        chunk = Chunk()
        for n in range(start, min(count, start + CHUNK)):
            fy = last_fy - FISCAL_YEARS + 1 + n % FISCAL_YEARS
            # Most projects are 未来技術社会実装事業 (☆); a tenth come from the joint review's
            # others.
            programme = future_tech if not others or rng.random() < 0.9 else rng.choice(others)
            owners.append(maker.make(chunk, fy, programme))
        await _copy(conn, chunk)
        progress(f"projects {len(owners):,}/{count:,}")
    return owners


def _contact(
    rng: random.Random, n: int, owners: Sequence[Owner], governments: Sequence[LocalGovernment]
) -> tuple[tuple[Any, ...], tuple[Any, ...] | None]:
    """A contact row and, for the first four per project, its link row."""
    contact_id = _uuid(rng)
    name, romaji = texts.person(rng)
    link = None
    lg: LocalGovernment | None = None
    owner = owners[n // LINKS_PER_PROJECT] if n < len(owners) * LINKS_PER_PROJECT else None
    if owner is not None:
        category, lg = "local_government", owner.lead
        to_council = n % LINKS_PER_PROJECT == LINKS_PER_PROJECT - 1
        link = (
            _uuid(rng),
            contact_id,
            None if to_council else owner.project_id,
            owner.council_id if to_council else None,
        )
    else:
        category = texts.category(rng)
        lg = rng.choice(governments) if category == "local_government" else None
    organisation = f"{lg.name} 企画政策課" if lg else rng.choice(texts.COMPANIES)
    domain = texts.DOMAINS[category]
    email = f"{romaji}.{n:07d}@{f'c{lg.code}.{domain}' if lg else domain}"
    bounced = rng.random() < 0.01
    row = (
        contact_id, name, email, address_key(email), texts.phone(rng), organisation,
        contact_search_key(name, organisation), category, lg.code if lg else None,
        "bounced" if bounced else None, "550 5.1.1 user unknown" if bounced else None,
        None, 1,
    )  # fmt: skip
    return row, link


async def _contacts(
    conn: asyncpg.Connection,
    rng: random.Random,
    owners: Sequence[Owner],
    governments: Sequence[LocalGovernment],
    count: int,
    progress: Progress,
) -> None:
    for start in range(0, count, CHUNK * 5):
        chunk = Chunk()
        for n in range(start, min(count, start + CHUNK * 5)):
            row, link = _contact(rng, n, owners, governments)
            chunk.add("contacts", row)
            if link is not None:
                chunk.add("contact_links", link)
        await _copy(conn, chunk)
        progress(f"contacts {min(count, start + CHUNK * 5):,}/{count:,}")


async def table_sizes(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(plain_url(url))
    try:
        return {
            t: int(await conn.fetchval(f"SELECT count(*) FROM registry.{t}")) for t in SIZE_TABLES
        }
    finally:
        await conn.close()


async def generate(
    database_url: str, *, scale: float = 1.0, seed: int = 8, progress: Progress = print
) -> dict[str, int]:
    """Fill a migrated, empty registry; returns the row count of each table."""
    from services.registry.seed import seed_if_empty

    await seed_if_empty(load_settings("registry", database_url=async_url(database_url)))
    rng = random.Random(seed)
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        governments = await _local_governments(conn)
        progress(f"local governments {len(governments):,}")
        projects = round(PROJECTS_PER_SCALE * scale)
        owners = await _projects(conn, rng, governments, projects, progress)
        municipal = [lg for lg in governments if lg.kind != "prefecture"]
        await _contacts(conn, rng, owners, municipal, round(CONTACTS_PER_SCALE * scale), progress)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return await table_sizes(database_url)


async def _main(url: str, scale: float, seed: int) -> None:
    for service in SERVICE_NAMES:
        await upgrade(service, url)
    started = time.perf_counter()
    sizes = await generate(url, scale=scale, seed=seed)
    print(f"generated in {time.perf_counter() - started:.1f} s: {sizes}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", required=True, help="a database of its own (migrated here)"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies projects and contacts")
    parser.add_argument("--seed", type=int, default=8, help="random seed (same seed, same data)")
    args = parser.parse_args(argv)
    asyncio.run(_main(args.database_url, args.scale, args.seed))


if __name__ == "__main__":
    main()
