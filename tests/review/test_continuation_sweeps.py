"""The sweep: each effect once — run twice, on two workers at once — and a dry run writes
nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from libs.common.fiscal_year import TOKYO
from libs.common.settings import Settings
from services.review.audit.models import AuditEvent
from services.review.config import ReviewSettings
from services.review.continuation.commands import run_sweep
from services.review.continuation.models import CycleProject
from services.review.continuation.sweeps.service import SweepReport, sweep, window
from services.review.models import applied_effects, outbox
from tests.review.committed_support import committed_cycle, remove_cycle

DEADLINE = datetime(2088, 11, 1, 17, tzinfo=TOKYO)
Sessions = async_sessionmaker[AsyncSession]


# Projects of a cycle carried by the sweep's term-end jobs (a job carries a batch of them).
TERM_END_ITEMS = text(
    "SELECT coalesce(sum(jsonb_array_length(payload -> 'projects')), 0) FROM review.outbox"
    " WHERE function = 'apply_term_ends' AND payload ->> 'cycle_id' = :cycle_id"
)


async def footprint(sessions: Sessions, cycle_id: uuid.UUID) -> dict[str, object]:
    """What the sweep could have written for this cycle."""
    like = f"%{cycle_id}%"
    async with sessions() as session:
        states = (
            await session.scalars(
                select(CycleProject.state)
                .where(CycleProject.cycle_id == cycle_id)
                .order_by(CycleProject.project_id)
            )
        ).all()
        keys = await session.scalar(select(func.count()).where(applied_effects.c.key.like(like)))
        messages = await session.scalar(
            select(func.count()).where(outbox.c.payload["dedupe_key"].astext.like(like))
        )
        jobs = await session.scalar(TERM_END_ITEMS, {"cycle_id": str(cycle_id)})
        audit = await session.scalar(select(func.count()).where(AuditEvent.subject_id.like(like)))
    return {
        "states": list(states),
        "keys": keys,
        "messages": messages,
        "jobs": jobs,
        "audit": audit,
    }


async def sweep_and_commit(sessions: Sessions, as_of: datetime) -> SweepReport:
    async with sessions() as session, session.begin():
        return await sweep(session, as_of=as_of, settings=ReviewSettings())


def test_the_reminder_due_is_the_nearest_threshold_reached() -> None:
    days = (14, 7, 1)
    assert window(DEADLINE, datetime(2088, 10, 18, 16, 59, tzinfo=TOKYO), days) is None
    assert window(DEADLINE, datetime(2088, 10, 18, 17, tzinfo=TOKYO), days) == 14
    assert window(DEADLINE, datetime(2088, 10, 28, 9, tzinfo=TOKYO), days) == 7
    assert window(DEADLINE, datetime(2088, 11, 1, 16, 59, tzinfo=TOKYO), days) == 1
    assert window(DEADLINE, DEADLINE, days) is None


async def test_two_sweeps_at_once_do_each_effect_once(committed: Sessions) -> None:
    cycle_id, projects = await committed_cycle(
        committed, fiscal_year=2088, projects=6, deadline=DEADLINE
    )
    try:
        reminder_day = datetime(2088, 10, 25, 18, tzinfo=TOKYO)
        reports = await asyncio.gather(
            *(sweep_and_commit(committed, reminder_day) for _ in range(2))
        )
        assert sum(r.counts["deadline_reminder_7d"] for r in reports) == 6
        assert sorted(k for r in reports for k in r.keys.get("deadline_reminder_7d", [])) == sorted(
            f"reminder:{cycle_id}:{p}:7d" for p in projects
        )

        after_term = datetime(2089, 4, 1, 0, tzinfo=TOKYO)
        reports = await asyncio.gather(*(sweep_and_commit(committed, after_term) for _ in range(2)))
        assert sum(r.counts["not_submitted"] for r in reports) == 6
        assert sum(r.counts["term_ended"] for r in reports) == 6
        seen = await footprint(committed, cycle_id)
        assert seen == {
            "states": ["ended"] * 6,
            "keys": 6,  # six 7-day reminders (a term end is once by its state guard)
            "messages": 6,
            "jobs": 6,
            "audit": 12,  # not_submitted and ended, once each per project
        }
        again = await sweep_and_commit(committed, after_term)
        assert not any(again.counts.values())
        assert await footprint(committed, cycle_id) == seen
    finally:
        await remove_cycle(committed, cycle_id)


async def test_a_dry_run_reports_without_writing(
    committed: Sessions, make_settings: Callable[..., Settings]
) -> None:
    cycle_id, _ = await committed_cycle(
        committed, fiscal_year=2087, projects=3, deadline=DEADLINE.replace(year=2087)
    )
    try:
        untouched = await footprint(committed, cycle_id)
        as_of = datetime(2088, 4, 1, tzinfo=TOKYO)
        steps: list[str] = []
        report = await run_sweep(
            make_settings("review"),
            ReviewSettings(),
            as_of=as_of,
            dry_run=True,
            progress=steps.append,
        )
        assert report.dry_run is True
        assert (report.counts["not_submitted"], report.counts["term_ended"]) == (3, 3)
        assert len(steps) == 6
        assert await footprint(committed, cycle_id) == untouched

        real = await run_sweep(  # 2088: in the future, which a real run must name
            make_settings("review"), ReviewSettings(), as_of=as_of, dry_run=False, apply_future=True
        )
        assert real.counts == report.counts
        assert (await footprint(committed, cycle_id))["states"] == ["ended"] * 3
    finally:
        await remove_cycle(committed, cycle_id)


@pytest.fixture
def review_env(
    monkeypatch: pytest.MonkeyPatch, database_url: str, redis_url: str
) -> Iterator[None]:
    """The CLI reads its settings from the environment; point it at the test servers."""
    from libs.common.settings import get_settings

    monkeypatch.setenv("REVIEW_DATABASE_URL", database_url)
    monkeypatch.setenv("REVIEW_REDIS_URL", redis_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_cli_prints_a_summary_table(review_env: None) -> None:
    from services.cli import app

    result = CliRunner().invoke(
        app, ["review", "sweep", "--as-of", "1990-04-01T00:00", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    assert "deadline_reminder_14d" in result.output
    assert "支援終了（台帳へ反映）" in result.output
    bad = CliRunner().invoke(app, ["review", "sweep", "--as-of", "yesterday"])
    assert bad.exit_code == 2
