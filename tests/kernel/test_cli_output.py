"""What a person sees from ``jisso``: a refused LOG_LEVEL, a closed port or a usage mistake is one
line and exit 2 (each in a real process); migrations report each step; ``--service`` offers its
choices; logs are console lines on a terminal (coloured unless NO_COLOR), JSON otherwise, and
redacted either way."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
import structlog

from devtools.embedded import free_port
from libs.common.logging import configure_logging
from tests.databases import scratch_database
from tests.kernel.test_operator_cli import ROOT, jisso, refused


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    here = tmp_path / "operator"
    here.mkdir()
    return here


@pytest.mark.parametrize(("variable", "value"), [("LOG_LEVEL", "LOUD"), ("LOG_FORMAT", "xml")])
def test_a_refused_logging_setting_is_one_line(workdir: Path, variable: str, value: str) -> None:
    line = refused(jisso("token", "--role", "operator", cwd=workdir, **{variable: value}))
    assert line.startswith(f"jisso: refusing to start: {variable}: Input should be")


def test_migrate_against_a_closed_port_is_one_line(workdir: Path) -> None:
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/jisso"
    line = refused(jisso("migrate", cwd=workdir, DATABASE_URL=closed))
    assert "does not answer" in line and "nothing was changed" in line


def test_a_usage_mistake_is_one_line_and_help_lists_the_services(workdir: Path) -> None:
    assert "--no-such-option" in refused(jisso("migrate", "--no-such-option", cwd=workdir))
    for command in ("migrate", "worker", "serve"):
        shown = jisso(command, "--help", cwd=workdir)
        assert shown.returncode == 0
        assert "registry|review|notify" in shown.stdout


async def test_migrate_prints_a_line_per_migration_applied(
    workdir: Path, server_urls: tuple[str, str]
) -> None:
    steps = _migrations("notify")
    async with scratch_database(server_urls[0], prefix="jisso_cli") as empty:
        first = jisso(
            "migrate", "--service", "notify", cwd=workdir, DATABASE_URL=empty, LOG_LEVEL="DEBUG"
        )
        assert first.returncode == 0, first.stderr
        *applied, last = first.stdout.splitlines()  # the output alone: log lines go to stderr
        assert len(applied) == len(steps)
        assert all(line.startswith("notify: applied ") for line in applied)
        assert last == "migrated notify"
        assert '"level": "debug"' in first.stderr  # what was logged, as JSON off a terminal
        again = jisso("migrate", "--service", "notify", cwd=workdir, DATABASE_URL=empty)
        assert again.stdout.splitlines() == ["migrated notify"]  # nothing left to apply


def _migrations(service: str) -> list[Path]:
    return sorted((ROOT / "services" / service / "migrations" / "versions").glob("[0-9]*.py"))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _logged(monkeypatch: pytest.MonkeyPatch, stdout: io.StringIO, log_format: str) -> str:
    monkeypatch.setattr("sys.stdout", stdout)
    configure_logging("INFO", "registry", log_format)
    try:
        structlog.get_logger("t").warning("contact_failed", email="someone@example.jp")
        logging.getLogger("library").warning("password=hunter2 refused")
    finally:
        configure_logging("INFO")  # back onto the real stdout for the tests after this one
    return stdout.getvalue()


def test_auto_is_coloured_console_lines_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    shown = _logged(monkeypatch, _Terminal(), "auto")
    assert "\x1b[" in shown and "contact_failed" in shown
    assert "someone@" not in shown and "hunter2" not in shown  # redacted on a terminal too
    assert not shown.lstrip().startswith("{")


def test_no_color_keeps_console_lines_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    shown = _logged(monkeypatch, _Terminal(), "auto")
    assert "\x1b[" not in shown and "contact_failed" in shown


@pytest.mark.parametrize(("stdout", "log_format"), [(io.StringIO(), "auto"), (_Terminal(), "json")])
def test_json_off_a_terminal_or_when_asked(
    monkeypatch: pytest.MonkeyPatch, stdout: io.StringIO, log_format: str
) -> None:
    lines = [json.loads(line) for line in _logged(monkeypatch, stdout, log_format).splitlines()]
    assert [line["event"] for line in lines] == ["contact_failed", "password=[redacted] refused"]
    assert lines[0]["email"] == "***@example.jp"
