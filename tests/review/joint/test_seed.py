"""`jisso seed` loads the FY2021 joint-review round: its 62 regions, 42 collaborating, its
per-programme counts (☆9 □9 ○14 ●12 ■30, counted from the table), that year's legend; audited as
``seed``, idempotent, and run by the real command against a database of its own."""

from __future__ import annotations

import asyncio
import csv
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import selectinload
from typer.testing import CliRunner

from libs.common.db import async_url
from libs.common.migrations import upgrade
from services.catalogue import SERVICE_NAMES
from services.cli import app
from services.review.audit.models import AuditEvent
from services.review.joint_review.models import JointImportedRegion, JointReviewRound
from services.review.joint_review.rounds.counts import programme_usage
from services.review.registry_client import RegistryClient
from services.review.seed import seed_joint_review
from services.stack import write_stack
from tests.databases import scratch_database
from tests.review.joint.conftest import FY2021_TABLE


def _published_counts() -> dict[str, int]:
    with FY2021_TABLE.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    return {mark: sum(mark in row[2] for row in rows) for mark in "☆□○●■"}


def test_the_published_table_gives_the_counts_the_issue_states() -> None:
    assert _published_counts() == {"☆": 9, "□": 9, "○": 14, "●": 12, "■": 30}


async def _fy2021(session: AsyncSession) -> list[JointReviewRound]:
    query = (
        select(JointReviewRound)
        .where(JointReviewRound.fiscal_year == 2021, JointReviewRound.imported.is_(True))
        .options(selectinload(JointReviewRound.programmes))
    )
    return list((await session.execute(query)).scalars())


async def test_the_seed_loads_the_fy2021_round_once_and_audits_it_as_seed(
    session: AsyncSession, review_registry_client: RegistryClient, registry: Any
) -> None:
    programmes = await review_registry_client.programmes()
    first = await seed_joint_review(session, programmes=programmes)
    assert first[0].startswith("令和3年度の合同審査の選定結果を取り込みました")
    [round_] = await _fy2021(session)
    assert (round_.status, round_.source, round_.created_by) == (
        "closed",
        "seed:fy2021_results.csv",
        "seed",
    )
    assert round_.published_at is not None
    usage = await programme_usage(session, round_)
    counts = {p.mark: usage[p.programme_id][0] for p in round_.programmes}
    assert counts == _published_counts()
    assert [(p.mark, p.ministry, p.name) for p in round_.programmes][1] == (
        "□",
        "総務省",
        "データ連携促進型スマートシティ推進事業",
    )
    regions = await session.scalars(
        select(JointImportedRegion).where(JointImportedRegion.round_id == round_.id)
    )
    assert len(list(regions)) == 62
    events = list(
        await session.scalars(select(AuditEvent).where(AuditEvent.subject_id == str(round_.id)))
    )
    assert [(e.actor, e.action) for e in events] == [("seed", "joint_review_round.imported")]
    assert events[0].after is not None
    assert (events[0].after["regions"], events[0].after["collaborating"]) == (62, 42)
    assert events[0].after["selected"] == _published_counts()

    again = await seed_joint_review(session, programmes=programmes)
    assert again == ["令和3年度の合同審査の選定結果: 取り込み済み（unchanged）"]
    assert len(await _fy2021(session)) == 1
    events_after = await session.scalars(
        select(AuditEvent).where(AuditEvent.subject_id == str(round_.id))
    )
    assert len(list(events_after)) == 1


@pytest.fixture
async def own_database(server_urls: tuple[str, str]) -> AsyncIterator[str]:
    """A database of this test's own, migrated: `jisso seed` commits."""
    async with scratch_database(server_urls[0], prefix="jisso_seed") as url:
        for service in SERVICE_NAMES:
            await upgrade(service, url)
        yield url


# What an operator's shell might export: the second run takes its addresses from the stack alone.
EXPORTED = ("DATABASE_URL", "REDIS_URL", "REGISTRY_DATABASE_URL", "REVIEW_DATABASE_URL")


async def test_jisso_seed_fills_the_review_database_too(
    own_database: str, redis_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    env = {"DATABASE_URL": own_database, "REDIS_URL": redis_url, "ENVIRONMENT": "test"}
    # The command runs its own event loop: off this test's loop, as from a shell.
    first = await asyncio.to_thread(runner.invoke, app, ["seed"], env=env)
    assert first.exit_code == 0, first.output
    assert "seeded the registry: " in first.output
    assert "令和3年度の合同審査の選定結果を取り込みました" in first.output

    # Again, from a second terminal of a running `make run`: the stack is named once (both
    # services' settings come from it), and the registry said to be unchanged.
    write_stack(tmp_path, {"DATABASE_URL": own_database, "REDIS_URL": redis_url}, pid=os.getpid())
    stacked: dict[str, str | None] = {"JISSO_DATA_DIR": str(tmp_path), "ENVIRONMENT": "test"}
    stacked |= dict.fromkeys(EXPORTED)  # None: unset
    second = await asyncio.to_thread(runner.invoke, app, ["seed"], env=stacked)
    assert second.exit_code == 0, second.output
    assert second.stderr.splitlines() == [f"jisso: using the `make run` stack of {tmp_path}"]
    assert second.stdout.splitlines() == [
        "台帳の初期データ: 登録済み（registry already seeded, unchanged）",
        "令和3年度の合同審査の選定結果: 取り込み済み（unchanged）",
    ]
    engine = create_async_engine(async_url(own_database))
    try:
        async with AsyncSession(engine) as session:
            [round_] = await _fy2021(session)
            usage = await programme_usage(session, round_)
            assert {p.mark: usage[p.programme_id][0] for p in round_.programmes} == (
                _published_counts()
            )
    finally:
        await engine.dispose()


async def test_make_run_seeds_an_empty_registry_and_the_fy2021_round(
    own_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `jisso up` (`make run`) does before it starts the APIs (devtools/up.py)."""
    from devtools.up import _seed_if_empty

    await asyncio.to_thread(_seed_if_empty, {"DATABASE_URL": own_database})
    printed = capsys.readouterr().out
    assert "loaded the seed facts into the empty registry" in printed
    assert "令和3年度の合同審査の選定結果を取り込みました" in printed
    await asyncio.to_thread(_seed_if_empty, {"DATABASE_URL": own_database})
    assert (
        capsys.readouterr().out.strip()
        == "令和3年度の合同審査の選定結果: 取り込み済み（unchanged）"
    )
    engine = create_async_engine(async_url(own_database))
    try:
        async with AsyncSession(engine) as session:
            [round_] = await _fy2021(session)
            assert (round_.status, round_.published_at is not None) == ("closed", True)
    finally:
        await engine.dispose()
