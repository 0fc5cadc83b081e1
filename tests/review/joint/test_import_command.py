"""`jisso review import-joint-review-results FILE --fiscal-year R3`."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from libs.common.errors import Conflict
from libs.common.settings import Settings
from services.cli import app
from services.review.joint_review import commands
from services.review.joint_review.commands import import_results_file
from services.review.joint_review.models import JointReviewRound
from services.review.registry_client import RegistryClient
from tests.review.joint.conftest import FY2021_TABLE


async def test_the_command_loads_the_table_as_a_closed_round_and_commits(
    make_settings: Callable[..., Settings],
    review_registry_client: RegistryClient,
    committed: async_sessionmaker[AsyncSession],
) -> None:
    seen: list[tuple[int, int]] = []
    results = await import_results_file(
        make_settings("review"),
        content=FY2021_TABLE.read_bytes(),
        fiscal_year=2021,
        actor="cli:test",
        source=FY2021_TABLE.name,
        progress=lambda done, total: seen.append((done, total)),
        registry=review_registry_client,
    )
    try:
        assert (results.totals.regions_selected, results.totals.collaborating) == (62, 42)
        assert seen[-1] == (62, 62)
        async with committed() as session:
            round_ = await session.get(JointReviewRound, results.round_id)
            assert round_ is not None
            assert (round_.status, round_.imported, round_.source) == (
                "closed",
                True,
                "fy2021_results.csv",
            )
            assert round_.published_at is not None
        with pytest.raises(Conflict):
            await import_results_file(
                make_settings("review"),
                content=FY2021_TABLE.read_bytes(),
                fiscal_year=2021,
                actor="cli:test",
                source="again",
                registry=review_registry_client,
            )
    finally:
        async with committed() as session, session.begin():
            await session.execute(
                delete(JointReviewRound).where(JointReviewRound.id == results.round_id)
            )


def test_the_cli_parses_the_fiscal_year_and_reports_the_totals(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    # The command checks that its database answers before it reads the file.
    monkeypatch.setenv("REVIEW_DATABASE_URL", database_url)
    calls: list[dict[str, Any]] = []

    async def fake(settings: Settings, **kwargs: Any) -> Any:
        calls.append(kwargs)
        kwargs["progress"](62, 62)
        totals = SimpleNamespace(regions_selected=62, collaborating=42)
        return SimpleNamespace(
            fiscal_year_label="令和3年度", totals=totals, round_id=uuid.UUID(int=1)
        )

    monkeypatch.setattr(commands, "import_results_file", fake)
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["review", "import-joint-review-results", str(FY2021_TABLE), "--fiscal-year", "R3"],
    )
    assert result.exit_code == 0, result.output
    assert "令和3年度: 62 regions, 42 collaborating" in result.output
    assert calls[0]["fiscal_year"] == 2021
    assert calls[0]["content"] == FY2021_TABLE.read_bytes()
    bad = runner.invoke(
        app, ["review", "import-joint-review-results", str(FY2021_TABLE), "--fiscal-year", "R99"]
    )
    assert bad.exit_code != 0
