"""The ``jisso`` commands as an operator runs them, each in a process of its own: a mistake or a
server that does not answer is one line on stderr and exit status 2, never a traceback; the
commands find the running `make run` stack by its stack file; and a sweep as of a future instant
runs only as a dry run or with the flag that names its risk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from devtools.embedded import free_port
from libs.common.fiscal_year import TOKYO
from services.review.continuation.models import CycleProject
from services.stack import write_stack
from tests.databases import scratch_database
from tests.review.committed_support import committed_cycle, remove_cycle

ROOT = Path(__file__).resolve().parents[2]
# Variables an operator's shell might carry; each test states what it exports.
UNSET = ("URL", "JISSO_DATA_DIR", "SECRET")


def jisso(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    kept = {k: v for k, v in os.environ.items() if not any(u in k for u in UNSET)}
    kept.update(PYTHONPATH=str(ROOT), ENVIRONMENT="test", COLUMNS="200", **env)
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        capture_output=True,
        text=True,
        env=kept,
        cwd=cwd,
        timeout=120,
    )


def refused(done: subprocess.CompletedProcess[str]) -> str:
    """The one line a refusal writes; asserts exit 2, no traceback, nothing else on stderr."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    (line,) = done.stderr.splitlines()
    assert line.startswith("jisso: ")
    return line


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A working directory with no `make run` stack in it or above it."""
    here = tmp_path / "operator"
    here.mkdir()
    return here


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["token", "--role", "reviewer"], "a reviewer token needs --programme"),
        (["token", "--role", "municipality"], "a municipality token needs --lg-code"),
        (
            ["token", "--role", "municipality", "--lg-code", "112070"],
            "--lg-code '112070': 地方公共団体コードのチェックデジットが誤っています",
        ),
        (
            ["review", "sweep", "--as-of", "yesterday"],
            "--as-of 'yesterday' is not a date or time",
        ),
        (["review", "sweep", "--as-of", "2021-02-30"], "--as-of '2021-02-30' is not a date"),
        (
            ["migrate", "--service", "billing"],
            "'billing' is not one of 'registry', 'review', 'notify'",
        ),
        # A claim the role does not carry would be ignored by every service: refused.
        (
            ["token", "--role", "operator", "--lg-code", "162019"],
            "--lg-code is only for a municipality token, not for role operator",
        ),
        (
            ["token", "--role", "municipality", "--lg-code", "162019", "--programme", "☆"],
            "--programme is only for a reviewer token, not for role municipality",
        ),
        (
            ["review", "import-joint-review-results", str(Path(__file__)), "--fiscal-year", "R20"],
            "--fiscal-year 'R20': 令和20年度はまだ始まっていません（today is in 令和",
        ),
        (
            ["review", "import-joint-review-results", "no-such.csv", "--fiscal-year", "R3"],
            "jisso: ファイルがありません: no-such.csv（no such file）",
        ),
        (
            ["registry", "import-local-governments", "no-such.csv"],
            "jisso: ファイルがありません: no-such.csv（no such file）",
        ),
    ],
)
def test_a_mistake_is_one_line_and_exit_2(workdir: Path, args: list[str], expected: str) -> None:
    done = jisso(*args, cwd=workdir)
    line = refused(done)
    assert expected in line
    assert done.stdout == ""  # refused before anything else is said (a progress bar, a token)


@pytest.mark.parametrize(
    "args",
    [
        ["migrate"],
        ["seed"],
        ["review", "sweep", "--as-of", "2021-04-01", "--dry-run"],
        ["registry", "import-local-governments", str(Path(__file__))],
    ],
)
def test_without_a_url_or_a_stack_every_database_command_says_what_to_export(
    workdir: Path, args: list[str]
) -> None:
    line = refused(jisso(*args, cwd=workdir))
    assert "DATABASE_URL is not set and no `make run` stack is running" in line
    assert "export DATABASE_URL=" in line


def test_a_data_dir_in_the_environment_is_where_the_stack_was_looked_for(
    workdir: Path, tmp_path: Path
) -> None:
    nowhere = tmp_path / "nonexist"
    line = refused(
        jisso("review", "sweep", "--as-of", "2021-04-01", "--dry-run", cwd=workdir,
              JISSO_DATA_DIR=str(nowhere))
    )  # fmt: skip
    looked_in = f"no `make run` stack is running in JISSO_DATA_DIR={nowhere} (no stack.json there)"
    assert looked_in in line
    assert "here or in a parent" not in line and "set JISSO_DATA_DIR" not in line


def test_an_unreachable_database_or_redis_is_one_line(
    workdir: Path, database_url: str, redis_url: str
) -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/jisso"
    database = refused(jisso("seed", cwd=workdir, DATABASE_URL=nowhere))
    assert "the database at postgresql+asyncpg://postgres@127.0.0.1:" in database
    assert "does not answer" in database and "nothing was changed" in database

    # A real sweep mails through Redis: it is asked first, and nothing is written without it.
    no_redis = f"redis://:secret@127.0.0.1:{free_port()}/0"
    redis = refused(
        jisso(
            "review", "sweep", "--as-of", "1990-04-01",
            cwd=workdir, DATABASE_URL=database_url, REDIS_URL=no_redis,
        )
    )  # fmt: skip
    assert redis.startswith("jisso: Redis at redis://:***@127.0.0.1:")
    assert "secret" not in redis and "nothing was changed" in redis


async def test_a_database_without_its_tables_or_that_does_not_exist(
    workdir: Path, server_urls: tuple[str, str]
) -> None:
    async with scratch_database(server_urls[0], prefix="jisso_cli") as empty:
        line = refused(
            jisso("review", "sweep", "--as-of", "1990-04-01", "--dry-run", cwd=workdir,
                  DATABASE_URL=empty)
        )  # fmt: skip
        assert "the service's tables are missing" in line and "run `jisso migrate`" in line
        missing = empty.rsplit("/", 1)[0] + "/no_such_database"
    line = refused(jisso("migrate", cwd=workdir, DATABASE_URL=missing))
    assert 'database "no_such_database" does not exist' in line


def _stack(directory: Path, pid: int, **urls: str) -> Path:
    data_dir = directory / ".jisso"
    data_dir.mkdir(parents=True, exist_ok=True)
    return write_stack(data_dir, urls, pid=pid)


def test_commands_find_the_running_stack_and_refuse_a_stale_one(
    tmp_path: Path, database_url: str, redis_url: str
) -> None:
    checkout = tmp_path / "checkout"
    below = checkout / "docs"  # an operator in a subdirectory of the checkout
    below.mkdir(parents=True)
    path = _stack(checkout, os.getpid(), DATABASE_URL=database_url, REDIS_URL=redis_url)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert set(json.loads(path.read_text())) == {"pid", "DATABASE_URL", "REDIS_URL"}

    found = jisso("review", "sweep", "--as-of", "1990-04-01", "--dry-run", cwd=below)
    assert found.returncode == 0, found.stderr
    assert found.stderr.splitlines() == [
        f"jisso: using the `make run` stack of {(checkout / '.jisso').resolve()}"
    ]
    assert "dry run" in found.stdout

    dead = subprocess.Popen([sys.executable, "-c", "pass"])  # a `jisso up` that was killed
    dead.wait()
    _stack(checkout, dead.pid, DATABASE_URL=database_url)
    line = refused(jisso("review", "sweep", "--as-of", "1990-04-01", "--dry-run", cwd=below))
    assert f"is not running (its process {dead.pid} is gone)" in line

    exported = jisso(  # an exported URL wins over any stack
        "review", "sweep", "--as-of", "1990-04-01", "--dry-run", cwd=below,
        DATABASE_URL=database_url,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert exported.stderr == ""

    # A server process never takes a stack's addresses (production takes the environment
    # alone, and its stderr stays JSON): with the stack running and nothing exported, one line.
    _stack(checkout, os.getpid(), DATABASE_URL=database_url, REDIS_URL=redis_url)
    line = refused(jisso("scheduler", cwd=below))
    assert "REDIS_URL is not set: serve, worker and scheduler take their servers" in line


Sessions = async_sessionmaker[AsyncSession]
FUTURE_DEADLINE = datetime(2090, 11, 1, 17, tzinfo=TOKYO)


@pytest.fixture
async def future_cycle(committed: Sessions) -> AsyncIterator[uuid.UUID]:
    """A cycle of FY2090, committed: every sweep as of its dates is one in the future."""
    cycle_id, _ = await committed_cycle(
        committed, fiscal_year=2090, projects=2, deadline=FUTURE_DEADLINE
    )
    yield cycle_id
    await remove_cycle(committed, cycle_id)


async def _states(sessions: Sessions, cycle_id: uuid.UUID) -> list[str]:
    async with sessions() as session:
        query = select(CycleProject.state).where(CycleProject.cycle_id == cycle_id)
        return sorted((await session.scalars(query)).all())


async def test_a_future_sweep_runs_only_as_a_dry_run_or_with_the_risk_named(
    workdir: Path,
    database_url: str,
    redis_url: str,
    committed: Sessions,
    future_cycle: uuid.UUID,
) -> None:
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url}
    after_term = "2091-04-01T00:00"

    line = refused(jisso("review", "sweep", "--as-of", after_term, cwd=workdir, **env))
    assert "は未来の日時です" in line
    assert "--dry-run" in line and "--apply-future-effects-now" in line
    assert await _states(committed, future_cycle) == ["eligible", "eligible"]

    dry = jisso("review", "sweep", "--as-of", after_term, "--dry-run", cwd=workdir, **env)
    assert dry.returncode == 0, dry.stderr
    assert "dry run" in dry.stdout
    assert "term_ended" in dry.stdout
    assert await _states(committed, future_cycle) == ["eligible", "eligible"]

    applied = jisso(
        "review", "sweep", "--as-of", after_term, "--apply-future-effects-now", cwd=workdir, **env
    )
    assert applied.returncode == 0, applied.stderr
    assert await _states(committed, future_cycle) == ["ended", "ended"]


def test_a_second_make_run_on_the_same_data_dir_is_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write_stack(data_dir, {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/jisso"})
    line = refused(jisso("up", "--data-dir", str(data_dir), cwd=tmp_path))
    assert f"a `make run` stack is already running from {data_dir.resolve()}" in line
    assert f"(process {os.getpid()})" in line
    assert not (data_dir / "postgres").exists()  # refused before any server started
