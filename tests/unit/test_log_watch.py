"""`jisso up` re-prints its children's warnings and errors, not their info lines, and says where
each child's log is."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from devtools.log_watch import LogWatcher
from devtools.supervisor import Supervisor, log_path
from devtools.up import _print_banner

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import structlog, sys
from libs.common.logging import configure_logging
configure_logging()
log = structlog.get_logger("child")
log.info("routine_sweep")
log.warning("disk_nearly_full", contact="someone@example.jp")
log.error("delivery_failed", attempt=3)
sys.exit(3)
"""


def test_a_child_s_warnings_and_errors_reach_the_terminal_but_not_its_info(
    tmp_path: Path,
) -> None:
    shown: list[str] = []
    supervisor = Supervisor(tmp_path, echo=shown.append)
    supervisor.spawn("worker", [sys.executable, "-c", CHILD], {"PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while not supervisor.dead_children():
        assert time.monotonic() < deadline, "the child did not exit"
        time.sleep(0.1)
    supervisor.stop_all()
    assert "routine_sweep" in log_path(tmp_path, "worker").read_text()  # in the file only
    assert not any("routine_sweep" in line for line in shown)
    warning, error, exited = shown
    assert warning.startswith("[worker] ") and "disk_nearly_full" in warning
    assert "***@example.jp" in warning and "someone@" not in warning
    assert "delivery_failed" in error and "attempt=3" in error
    assert f"exited with code 3; see {log_path(tmp_path, 'worker')}" in exited


def test_only_what_a_file_gains_after_it_is_watched_and_only_whole_lines(tmp_path: Path) -> None:
    log = tmp_path / "review.log"
    log.write_text('{"event": "old_error", "level": "error"}\n')
    shown: list[str] = []
    watcher = LogWatcher(shown.append)
    watcher.watch("review", log)
    with log.open("a") as out:
        out.write('--- 2026-12-06T00:00:00 start [...]\n{"event": "half_wr')
    watcher.poll()
    assert shown == []  # the old run's error, the start marker and half a line
    with log.open("a") as out:
        out.write('itten", "level": "warning"}\nTraceback (most recent call last):\n')
    watcher.poll()
    assert len(shown) == 2
    assert "half_written" in shown[0]
    assert shown[1] == "[review] Traceback (most recent call last):"


def test_the_banner_names_each_child_s_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {f"{name}_URL": f"http://127.0.0.1:{port}" for name, port in
           (("REGISTRY", 8001), ("REVIEW", 8002), ("NOTIFY", 8003))}  # fmt: skip
    env |= {"DATABASE_URL": "postgresql://db", "REDIS_URL": "redis://r", "SMTP_URL": "smtp://s"}
    _print_banner(env, "token", tmp_path, {"worker": 9100, "scheduler": 9104})
    (logs,) = [line for line in capsys.readouterr().out.splitlines() if "logs " in line]
    assert str(tmp_path / "logs") in logs
    for child in ("registry", "review", "notify", "worker", "scheduler"):
        assert f"{child}.log" in logs
