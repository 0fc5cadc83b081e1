"""``jisso up`` as a user runs it: a real process tree on a temporary data dir, stopped cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from devtools.embedded import free_port

pytestmark = pytest.mark.e2e
SERVICES = ("registry", "review", "notify")


def start_up(data_dir: Path, ports: dict[str, int]) -> subprocess.Popen[bytes]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SMTP_URL")
    }
    env.update({f"{s.upper()}_URL": f"http://127.0.0.1:{p}" for s, p in ports.items()})
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", "up", "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_ready(ports: dict[str, int], proc: subprocess.Popen[bytes], timeout: float) -> float:
    started = time.monotonic()
    pending = dict(ports)
    while pending and time.monotonic() - started < timeout:
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        for name, port in list(pending.items()):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    del pending[name]
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    assert not pending, f"not ready after {timeout}s: {sorted(pending)}"
    return time.monotonic() - started


def stop(proc: subprocess.Popen[bytes]) -> list[psutil.Process]:
    try:
        tree = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:  # it exited on its own: the assertions on its output say why
        return []
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    _, alive = psutil.wait_procs(tree, timeout=10)
    return alive


def test_up_starts_everything_then_stops_leaving_nothing(tmp_path: Path) -> None:
    ports = {s: free_port() for s in SERVICES}
    proc = start_up(tmp_path, ports)
    try:
        wait_ready(ports, proc, timeout=90)
        seeded = httpx.get(f"http://127.0.0.1:{ports['registry']}/healthz", timeout=5)
        assert seeded.json() == {"status": "ok"}
        children = psutil.Process(proc.pid).children()
        assert len(children) >= 8  # 3 servers, 3 APIs, worker, scheduler
        # Forked once the application was imported (devtools/forked.py), named by their role.
        forked = sorted(c.name() for c in children if c.name().startswith("jisso "))
        assert forked == [
            f"jisso {n}" for n in ("notify", "registry", "review", "scheduler", "worker")
        ]
        _a_command_finds_the_stack(tmp_path, proc.pid)
    finally:
        alive = stop(proc)
    output = proc.stdout.read().decode() if proc.stdout else ""
    assert proc.returncode == 0, output
    assert "loaded the seed facts" in output
    assert not (tmp_path / "stack.json").exists()  # gone with the stack
    # The banner names each API's scrape URL, and the worker's and the scheduler's probe (up waited
    # for both to answer 200 before it printed them).
    assert output.count("metrics: http://127.0.0.1:") == 5
    assert [line.split()[0] for line in output.splitlines() if "/healthz" in line] == [
        "worker",
        "scheduler",
    ]
    assert alive == []

    # A second run reuses the data dir (no new initdb, the seed is not loaded again).
    proc = start_up(tmp_path, ports)
    try:
        wait_ready(ports, proc, timeout=60)
    finally:
        alive = stop(proc)
    output = proc.stdout.read().decode() if proc.stdout else ""
    assert "loaded the seed facts" not in output
    assert alive == []


def _a_command_finds_the_stack(data_dir: Path, pid: int) -> None:
    """Another terminal, nothing exported: `jisso` takes the stack's URLs from its stack file."""
    stack = data_dir / "stack.json"
    deadline = time.monotonic() + 30
    while not stack.exists() and time.monotonic() < deadline:  # written once all answer
        time.sleep(0.2)
    assert json.loads(stack.read_text())["pid"] == pid
    env = {k: v for k, v in os.environ.items() if not k.endswith("_URL")}
    env["JISSO_DATA_DIR"] = str(data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "review", "sweep", "--as-of", "2021-04-01",
         "--dry-run"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"jisso: using the `make run` stack of {data_dir.resolve()}"
    ]
