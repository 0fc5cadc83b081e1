"""Children forked by the supervisor (devtools/forked.py) behave as the processes their command
lines would start: own session, the environment they were handed, stdin from /dev/null, output in
their log, their exit code; never the parent's exit handlers; stopped and reaped like the rest."""

from __future__ import annotations

import atexit
import os
import sys
import time
from pathlib import Path

import pytest

from devtools.supervisor import Supervisor
from tests.e2e.test_embedded_servers import assert_gone

pytestmark = pytest.mark.e2e


def _describe(argv: list[str]) -> None:
    print(f"argv={argv} sys.argv={sys.argv}")
    print(f"own session={os.getsid(0) == os.getpid()} env={os.environ.get('JISSO_X')}")
    print(f"stdin={os.readlink('/proc/self/fd/0')}")
    raise SystemExit(3)


def _sleep(argv: list[str]) -> None:
    time.sleep(60)


def _crash(argv: list[str]) -> None:
    time.sleep(0.3)
    raise RuntimeError("the child's own failure")


def test_a_forked_child_is_the_process_its_command_line_describes(tmp_path: Path) -> None:
    marker = tmp_path / "parent-exit-handler-ran"
    handler = marker.touch
    atexit.register(handler)  # the parent's: a child must not run it
    try:
        with Supervisor(tmp_path, echo=lambda line: None) as sup:
            child = sup.fork("described", _describe, ["jisso", "describe"], {"JISSO_X": "1"})
            assert child.wait(timeout=30) == 3
    finally:
        atexit.unregister(handler)
    log = (tmp_path / "logs" / "described.log").read_text()
    assert "fork ['jisso', 'describe']" in log.splitlines()[0]
    assert "argv=['jisso', 'describe']" in log
    assert "own session=True env=1" in log
    assert "stdin=/dev/null" in log
    assert not marker.exists()
    assert_gone(child)


def test_the_supervisor_reports_a_forked_child_s_death_and_stops_the_rest(tmp_path: Path) -> None:
    lines: list[str] = []
    sup = Supervisor(tmp_path, echo=lines.append)
    sleeper = sup.fork("sleeper", _sleep, ["jisso", "sleep"], {})
    crasher = sup.fork("crasher", _crash, ["jisso", "crash"], {})
    assert sup.run_until_signal(poll_interval=0.05) == 1
    assert any("crasher" in line and "code 1" in line for line in lines), lines
    assert "RuntimeError: the child's own failure" in "\n".join(lines)  # its traceback, shown
    assert_gone(crasher)
    assert_gone(sleeper)
    assert sleeper.returncode is not None and sleeper.returncode < 0  # ended by SIGTERM
