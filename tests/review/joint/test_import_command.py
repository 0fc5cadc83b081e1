"""`jisso review import-joint-review-results FILE --fiscal-year R3`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from libs.common.errors import InvalidInput
from libs.common.settings import Settings
from services.cli import app
from services.review.joint_review import commands
from services.review.joint_review.commands import import_results_file
from services.review.joint_review.models import JointReviewRound
from services.review.joint_review.results.importer import AlreadyImported
from services.review.registry_client import RegistryClient
from tests.kernel.test_operator_cli import jisso
from tests.review.joint.conftest import FY2021_TABLE


async def test_the_command_loads_the_table_as_a_closed_round_and_commits(
    make_settings: Callable[..., Settings],
    review_registry_client: RegistryClient,
    committed: async_sessionmaker[AsyncSession],
    database_url: str,
    tmp_path: Path,
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
        # The command run again, as an operator would: nothing to do, said so, exit 0, and the
        # registry not even asked (none answers here).
        again = await asyncio.to_thread(
            jisso, "review", "import-joint-review-results", str(FY2021_TABLE), "--fiscal-year",
            "R3", cwd=tmp_path, DATABASE_URL=database_url,
        )  # fmt: skip
        assert (again.returncode, again.stderr) == (0, ""), again.stderr
        assert again.stdout == "令和3年度の合同審査の選定結果: 取り込み済み（unchanged）\n"
        with pytest.raises(AlreadyImported):
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
    assert bad.exit_code == 2


def test_a_refused_table_is_said_once_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    """One problem is one line, not the problem and then the same words as the refusal."""
    monkeypatch.setenv("REVIEW_DATABASE_URL", database_url)
    message = "見出し行は 項番,プロジェクト実施地域,選定事業,過年度選定 です（got a,b）"

    async def refused(settings: Settings, **kwargs: Any) -> Any:
        raise InvalidInput.field("file", "header", message)

    monkeypatch.setattr(commands, "import_results_file", refused)
    result = CliRunner().invoke(
        app, ["review", "import-joint-review-results", str(FY2021_TABLE), "--fiscal-year", "R3"]
    )
    assert result.exit_code == 2
    assert result.stderr == f"jisso: {message}\n"
    assert result.stdout == ""
