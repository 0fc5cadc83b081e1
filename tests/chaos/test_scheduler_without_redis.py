"""A scheduler started while Redis is down waits for it, then schedules; SIGTERM stops the wait.

Real processes only: `python -m services.cli scheduler` pointed at a port where nothing listens,
then an embedded Redis started on that very port. No whole system is needed, so this module opts
out of the chaos harness's per-test system.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from devtools.embedded import EmbeddedRedis, free_port
from devtools.supervisor import Child, log_path, reap, start_child, stop_child
from libs.common.queue import connect
from services.runtime import periodic_sweeps

pytestmark = pytest.mark.chaos
ROOT = Path(__file__).resolve().parents[2]
WITHIN = 90.0


@pytest.fixture(autouse=True)
async def healed() -> AsyncIterator[None]:
    """Overrides the harness's: these tests start their own processes and stop them."""
    yield


def _start_scheduler(workdir: Path, redis_port: int) -> Child:
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "INFO",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "PYTHONPATH": str(ROOT),
    }
    argv = [sys.executable, "-m", "services.cli", "scheduler"]
    return start_child(argv, log_path(workdir, "scheduler"), env=env, cwd=ROOT)


def _log_records(workdir: Path) -> list[dict[str, object]]:
    """Every line the scheduler wrote, parsed; the supervisor's own `--- start` header aside."""
    lines = log_path(workdir, "scheduler").read_text().splitlines()
    return [json.loads(line) for line in lines if line and not line.startswith("--- ")]


async def _wait_for(condition: Callable[[], Awaitable[bool]], what: str, proc: Child) -> None:
    deadline = time.monotonic() + WITHIN
    while not await condition():
        assert reap(proc) is None, f"the scheduler exited ({proc.returncode}) waiting for {what}"
        assert time.monotonic() < deadline, f"still waiting after {WITHIN:.0f} s for {what}"
        await asyncio.sleep(0.2)


def _attempts_logged(workdir: Path, at_least: int) -> Callable[[], Awaitable[bool]]:
    async def logged() -> bool:
        records = _log_records(workdir)
        return sum(r["event"] == "scheduler_waiting_for_redis" for r in records) >= at_least

    return logged


async def test_a_scheduler_started_before_redis_enqueues_once_redis_answers(
    tmp_path: Path,
) -> None:
    port = free_port()
    proc = _start_scheduler(tmp_path, port)
    redis_server = EmbeddedRedis(tmp_path, port)
    try:
        await _wait_for(_attempts_logged(tmp_path, 2), "two failed attempts", proc)
        redis_url = redis_server.start()
        assert redis_url == f"redis://127.0.0.1:{port}/0", "Redis came up on another port"
        redis = await connect(redis_url)
        try:
            names = {p.name for p in periodic_sweeps()}

            async def every_sweep_enqueued() -> bool:
                jobs = [key.decode() for key in await redis.keys("arq:job:*")]
                return all(any(j.startswith(f"arq:job:{n}:") for j in jobs) for n in names)

            await _wait_for(every_sweep_enqueued, f"a job of each of {sorted(names)}", proc)
        finally:
            await redis.aclose()
        assert stop_child(proc, signal.SIGTERM, timeout=30) == 0
    finally:
        stop_child(proc, signal.SIGKILL)
        redis_server.stop()
    records = _log_records(tmp_path)  # every line JSON: no traceback while it waited
    events = [r["event"] for r in records]
    assert events.index("scheduler_started") > events.index("scheduler_waiting_for_redis")
    waits = [r for r in records if r["event"] == "scheduler_waiting_for_redis"]
    assert [w["attempt"] for w in waits] == list(range(1, len(waits) + 1))
    delays = [float(str(w["retry_in_seconds"])) for w in waits]
    assert delays == sorted(delays) and delays[-1] > delays[0], "the delay grows between attempts"


async def test_sigterm_stops_a_scheduler_waiting_for_redis(tmp_path: Path) -> None:
    proc = _start_scheduler(tmp_path, free_port())
    try:
        await _wait_for(_attempts_logged(tmp_path, 1), "a failed attempt", proc)
        assert stop_child(proc, signal.SIGTERM, timeout=30) == 0
    finally:
        stop_child(proc, signal.SIGKILL)
    events = [r["event"] for r in _log_records(tmp_path)]
    assert events[-1] == "scheduler_stopped_before_redis_answered"
    assert "scheduler_started" not in events
