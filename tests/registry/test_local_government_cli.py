"""`jisso registry import-local-governments`: a file imported with the command's own connection."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from libs.common.settings import get_settings
from services.cli import app as jisso_cli
from services.registry.audit.models import AuditEvent
from services.registry.local_governments.models import LocalGovernment
from tests.registry.test_local_governments import OFFICIAL_HEADER


def run_cli(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(jisso_cli, ["registry", *args])
    return result.exit_code, result.output


def run_cli_apart(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(jisso_cli, ["registry", *args])
    return result.exit_code, result.stdout, result.stderr


async def test_cli_imports_a_file_with_its_own_connection(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    committed: async_sessionmaker[AsyncSession],
) -> None:
    codes_in_file = ["472018", "472077"]  # 那覇市, 石垣市: touched by no other test
    good = tmp_path / "good.csv"
    good.write_bytes(
        f"{OFFICIAL_HEADER}\n472018,沖縄県,那覇市,ｵｷﾅﾜｹﾝ,ﾅﾊｼ\n472077,沖縄県,石垣市,ｵｷﾅﾜｹﾝ,ｲｼｶﾞｷｼ\n".encode(
            "cp932"
        )
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{OFFICIAL_HEADER}\n472018,沖縄県,那覇市,,ﾅﾊｼ\n472070,沖縄県,石垣市,,\n")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("REGISTRY_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        # The command runs its own event loop, so it runs in a thread beside this test's loop.
        exit_code, out, err = await asyncio.to_thread(
            run_cli_apart, ["import-local-governments", str(bad)]
        )
        assert exit_code == 2  # a refusal, as every operator mistake (services/cli_support.py)
        assert "3行目 団体コード" in err and "expected check digit 7" in err
        # Each bad row on a line of its own, then the refusal; no progress bar was started.
        assert err.splitlines()[-1].startswith("jisso: ") and out == ""
        empty = tmp_path / "empty.csv"
        empty.write_text("")
        exit_code, out, err = await asyncio.to_thread(
            run_cli_apart, ["import-local-governments", str(empty)]
        )
        assert (exit_code, out) == (2, "")
        assert err == "jisso: ファイルが空です（the file is empty）\n"  # said once
        async with committed() as check:
            assert (
                await check.scalar(
                    select(func.count()).where(LocalGovernment.code.in_(codes_in_file))
                )
                == 0
            )
        exit_code, output = await asyncio.to_thread(
            run_cli, ["import-local-governments", str(good)]
        )
        assert exit_code == 0, output
        assert "created 2, updated 0, unchanged 0 (total 2)" in output
        async with committed() as check:
            stored = await check.scalars(
                select(LocalGovernment).where(LocalGovernment.code.in_(codes_in_file))
            )
            assert {(r.code, r.name, r.kana) for r in stored} == {
                ("472018", "那覇市", "ナハシ"),
                ("472077", "石垣市", "イシガキシ"),
            }
    finally:
        get_settings.cache_clear()
        async with committed() as cleanup:
            await cleanup.execute(
                delete(AuditEvent).where(AuditEvent.subject_id.in_(codes_in_file))
            )
            await cleanup.execute(
                delete(LocalGovernment).where(LocalGovernment.code.in_(codes_in_file))
            )
            await cleanup.commit()
