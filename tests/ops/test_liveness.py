"""Liveness of the worker and the scheduler: ``/healthz`` on their metrics port.

In process, a real event loop wedged by a blocking call while the metrics thread answers: 503 once
the heartbeat is stale, 200 again when the loop runs. As real processes: a `jisso worker` answers
200 and exports the depth of its queue, turns 503 some 30 s after its loop is wedged, and once
killed answers nothing; of two `jisso scheduler` processes exactly one leads, and when it is killed
the other leads after the lock's lifetime; a scheduler that loses Redis stays alive.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from devtools.embedded import EmbeddedRedis, free_port
from libs.common.liveness import Heartbeat, keep_beating, serve
from libs.common.queue import QueueRedis, connect, queue_name
from libs.common.scheduler import LOCK_KEY
from tests.fixtures.smtp import SmtpServer
from tests.ops.processes import ROOT, Jisso

WEDGE = ROOT / "tests" / "ops" / "wedge"


async def test_healthz_is_503_while_the_loop_is_wedged_and_200_once_it_runs() -> None:
    heartbeat = Heartbeat(stale_after=0.5)
    server = serve(free_port(), heartbeat, host="127.0.0.1")
    url = f"http://127.0.0.1:{server.server.server_port}"
    beating = asyncio.create_task(keep_beating(heartbeat, every=0.1))
    try:
        await asyncio.sleep(0.3)
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/healthz")).status_code == 200
        answers: list[httpx.Response] = []
        probe = threading.Thread(
            target=lambda: (time.sleep(1.0), answers.append(httpx.get(f"{url}/healthz")))
        )
        probe.start()
        time.sleep(1.6)  # noqa: ASYNC251 - the wedge under test: nothing beats meanwhile
        probe.join()
        assert answers[0].status_code == 503
        assert answers[0].json()["status"] == "stale"
        await asyncio.sleep(0.3)
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/healthz")).status_code == 200
            metrics = await client.get("/metrics")
        assert metrics.status_code == 200 and "jisso_job_duration_seconds" in metrics.text
    finally:
        beating.cancel()
        server.stop()


@pytest.fixture
async def redis_pool(redis_url: str) -> AsyncIterator[QueueRedis]:
    pool = await connect(redis_url)
    yield pool
    await pool.aclose()


@pytest.mark.e2e
async def test_a_worker_answers_healthz_exports_its_queue_depth_and_dies_visibly(
    database_url: str, redis_url: str, redis_pool: QueueRedis, tmp_path: Path
) -> None:
    queue = queue_name("registry")
    await redis_pool.delete(queue)
    ids = [f"test-depth-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    for job_id in ids:  # due in an hour: they wait in the queue while the worker runs
        await redis_pool.enqueue_job(
            "sweep_outbox", {}, _job_id=job_id, _queue_name=queue, _defer_by=3600
        )
    worker = Jisso(
        tmp_path,
        "worker",
        ["worker", "--service", "registry"],
        {"DATABASE_URL": database_url, "REDIS_URL": redis_url},
    )
    try:
        await worker.wait_for(lambda: worker.healthz().status_code == 200, "healthy /healthz")
        assert worker.healthz().json()["status"] == "ok"
        await worker.wait_for(
            lambda: worker.metric("jisso_queue_depth", '{service="registry"}') == 3.0,
            "a queue depth of 3",
        )
        worker.kill()
        with pytest.raises(httpx.TransportError):
            worker.healthz()
    finally:
        worker.kill()
        await redis_pool.zrem(queue, *ids)
        await redis_pool.delete(*(f"arq:job:{job_id}" for job_id in ids))


@pytest.mark.e2e
async def test_the_notify_worker_exports_smtp_health(
    database_url: str, redis_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SMTP_URL": smtp_server.url}
    worker = Jisso(tmp_path, "worker", ["worker", "--service", "notify"], env)
    try:
        await worker.wait_for(lambda: worker.metric("jisso_smtp_up") == 1.0, "jisso_smtp_up 1")
        assert (worker.metric("jisso_smtp_check_seconds") or 0) > 0
    finally:
        worker.kill()


@pytest.mark.e2e
async def test_a_real_worker_whose_loop_is_wedged_answers_503(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    """A blocking call on the worker's event loop (here a signal handler that sleeps, installed by
    tests/ops/wedge/sitecustomize.py) stops the heartbeat; /healthz, served from another thread,
    turns 503 after 30 s, which is what the kubelet restarts on."""
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PYTHONPATH": f"{WEDGE}{os.pathsep}{ROOT}",
        "WEDGE_SECONDS": "45",
    }
    worker = Jisso(tmp_path, "worker", ["worker", "--service", "registry"], env)
    try:
        await worker.wait_for(lambda: worker.healthz().status_code == 200, "healthy /healthz")
        wedged_at = time.monotonic()
        os.kill(worker.proc.pid, signal.SIGUSR1)
        await asyncio.sleep(5)
        assert worker.healthz().status_code == 200, "stale after 5 s: the threshold is 30"
        await worker.wait_for(lambda: worker.healthz().status_code == 503, "a stale /healthz")
        assert 25 < time.monotonic() - wedged_at < 40
        assert worker.healthz().json()["status"] == "stale"
    finally:
        worker.kill()


def _leading(scheduler: Jisso) -> float | None:
    return scheduler.metric("jisso_scheduler_leading")


@pytest.mark.e2e
async def test_of_two_scheduler_processes_one_leads_and_the_other_takes_over_when_it_dies(
    redis_url: str, redis_pool: QueueRedis, tmp_path: Path
) -> None:
    await redis_pool.delete(LOCK_KEY)
    env = {"REDIS_URL": redis_url}
    schedulers = [Jisso(tmp_path, f"scheduler-{n}", ["scheduler"], env) for n in (1, 2)]
    try:
        for scheduler in schedulers:
            await scheduler.wait_for(lambda s=scheduler: _leading(s) is not None, "the gauge")
            assert scheduler.healthz().status_code == 200
        await asyncio.sleep(3)  # several ticks: still exactly one leader
        leading = [_leading(s) for s in schedulers]
        assert sorted(leading) == [0.0, 1.0], leading
        leader, other = schedulers if leading[0] == 1.0 else reversed(schedulers)
        leader.kill()
        started = time.monotonic()
        await other.wait_for(lambda: _leading(other) == 1.0, "the other scheduler leading")
        # The dead leader's lock lasts its lifetime (15 s) from its last renewal.
        assert 10 < time.monotonic() - started < 20
        assert any(r["event"] == "scheduler_leading" for r in other.records())
    finally:
        for scheduler in schedulers:
            scheduler.kill()
        await redis_pool.delete(LOCK_KEY)
        for service in ("registry", "review", "notify"):
            await redis_pool.delete(queue_name(service))


@pytest.mark.e2e
async def test_a_scheduler_that_loses_redis_stays_alive_and_stops_leading(tmp_path: Path) -> None:
    """Liveness never checks a dependency: Redis gone, the scheduler's /healthz is still 200 (a
    restart would not bring Redis back) and its gauge says it enqueues nothing."""
    redis_server = EmbeddedRedis(tmp_path, free_port())
    redis_url = redis_server.start()
    scheduler = Jisso(tmp_path, "scheduler", ["scheduler"], {"REDIS_URL": redis_url})
    try:
        await scheduler.wait_for(lambda: _leading(scheduler) == 1.0, "the scheduler leading")
        redis_server.stop()
        await scheduler.wait_for(lambda: _leading(scheduler) == 0.0, "the gauge at 0")
        assert scheduler.healthz().status_code == 200
        assert any(r["event"] == "scheduler_tick_failed" for r in scheduler.records())
    finally:
        scheduler.kill()
        redis_server.stop()
