"""The system under test: the processes `jisso up` starts, each one under the test's control.

Three APIs, one or more workers and schedulers run as real child processes (`python -m
services.cli …`) against a database of the test's own, a Redis the test can stop and start (an
embedded one on a temp dir, never the machine's shared Redis) and an SMTP sink whose fail file and
reject file the test writes. Every wait is bounded and names what it still waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import mailbox
import os
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from arq.jobs import Job
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from devtools.embedded import EmbeddedRedis, EmbeddedSmtp, free_port
from devtools.supervisor import Child, log_path, reap, start_child, stop_child
from libs.common.auth import Role, mint_token
from libs.common.queue import QueueRedis, connect, deserialize, publish, queue_name
from libs.common.settings import Settings, load_settings
from services.catalogue import SERVICE_NAMES, ServiceName

ROOT = Path(__file__).resolve().parents[2]
PENDING_DELIVERY = ("queued", "sending", "retrying")
# Small knobs so a fault and its recovery fit in seconds, not the production minutes.
FAST_KNOBS = {
    "ENVIRONMENT": "test",
    "LOG_LEVEL": "INFO",
    "DB_POOL_SIZE": "3",
    "DB_MAX_OVERFLOW": "5",
    "HTTP_TIMEOUT_SECONDS": "3",
    "HTTP_RETRIES": "2",
    "NOTIFY_SEND_RATE_PER_SECOND": "150",
    "NOTIFY_SEND_CONCURRENCY": "4",
    "NOTIFY_SENDING_LEASE_SECONDS": "3",
    "NOTIFY_BACKOFF_BASE_SECONDS": "1",
    "NOTIFY_BACKOFF_MAX_SECONDS": "2",
    "NOTIFY_MAX_ATTEMPTS": "12",
}
# A job cut by a SIGKILL waits out its in-progress marker (job timeout + 10 s) before it reruns;
# 15 s still covers a registry call's three attempts of 3 s each.
JOB_TIMEOUT_SECONDS = 15


class System:
    """The whole system on one machine; `start()` it, fault it, `close()` it."""

    def __init__(
        self, workdir: Path, database_url: str, *, workers: int = 1, schedulers: int = 1
    ) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.fail_file = workdir / "smtp-fail"
        self.reject_file = workdir / "smtp-reject"
        self.redis_server = EmbeddedRedis(workdir, free_port())
        self.smtp = EmbeddedSmtp(
            workdir, free_port(), fail_file=self.fail_file, reject_addresses_file=self.reject_file
        )
        self.urls = {name: f"http://127.0.0.1:{free_port()}" for name in SERVICE_NAMES}
        self.commands: dict[str, list[str]] = {
            name: ["serve", name, "--port", url.rsplit(":", 1)[1]]
            for name, url in self.urls.items()
        }
        for n in range(1, workers + 1):
            self.commands[f"worker-{n}"] = ["worker", "--job-timeout", str(JOB_TIMEOUT_SECONDS)]
        for n in range(1, schedulers + 1):
            self.commands[f"scheduler-{n}"] = ["scheduler"]
        self.procs: dict[str, Child] = {}
        self.paused: set[str] = set()
        self.env: dict[str, str] = {}
        self.engine: AsyncEngine = create_async_engine(database_url, pool_size=2)
        self.redis: QueueRedis | None = None

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self, held: tuple[str, ...] = ()) -> None:
        """Start the servers and every process but the `held` ones (the test starts those)."""
        redis_url = self.redis_server.start()
        self.env = {
            **{k: v for k, v in os.environ.items() if not _foreign(k)},
            **FAST_KNOBS,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": redis_url,
            "SMTP_URL": self.smtp.start(),
            "PYTHONPATH": str(ROOT),
            **{f"{name.upper()}_URL": url for name, url in self.urls.items()},
        }
        self.redis = await connect(redis_url)
        for name in self.commands:
            if name not in held:
                self.start_process(name)
        await self.wait_ready(*SERVICE_NAMES)

    def start_process(self, name: str) -> None:
        argv = [sys.executable, "-m", "services.cli", *self.commands[name]]
        log = log_path(self.workdir, name)
        self.procs[name] = start_child(argv, log, env=self.env, cwd=ROOT)

    def stop_process(self, name: str) -> None:
        """SIGTERM, as Kubernetes does on a rollout; a worker drains its running jobs."""
        stop_child(self.procs[name], signal.SIGTERM, timeout=20)

    def kill_process(self, name: str) -> None:
        stop_child(self.procs[name], signal.SIGKILL, timeout=10)

    def pause_process(self, name: str) -> None:
        """SIGSTOP: the process keeps its sockets but answers nothing, like a hung peer."""
        os.killpg(self.procs[name].pid, signal.SIGSTOP)
        self.paused.add(name)

    def resume_process(self, name: str) -> None:
        os.killpg(self.procs[name].pid, signal.SIGCONT)
        self.paused.discard(name)

    def stop_redis(self) -> None:
        self.redis_server.stop()

    def start_redis(self) -> None:
        url = self.redis_server.start()
        assert url == self.env["REDIS_URL"], f"Redis came back on another port: {url}"

    async def heal(self) -> None:
        """Undo every fault a test left: the next test starts from a whole, quiescent system."""
        for name in list(self.paused):
            self.resume_process(name)
        self.fail_file.unlink(missing_ok=True)
        self.reject_file.unlink(missing_ok=True)
        if self.redis_server.url is None:
            self.start_redis()
        for name, proc in self.procs.items():
            if reap(proc) is not None:
                self.start_process(name)
        await self.wait_ready(*SERVICE_NAMES)
        await self.quiescent()

    async def close(self) -> None:
        for name in list(self.paused):
            with contextlib.suppress(ProcessLookupError):
                self.resume_process(name)
        # All at once: a worker's drain and the APIs' shutdowns overlap instead of adding up.
        for proc in self.procs.values():
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            stop_child(proc, signal.SIGTERM, timeout=15)
        self.smtp.stop()
        self.redis_server.stop()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()

    # --- observation -----------------------------------------------------------------------

    def client(self, service: ServiceName, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.urls[service], timeout=30, **kwargs)

    def settings(self, service: ServiceName) -> Settings:
        return load_settings(
            service,
            database_url=self.database_url,
            redis_url=self.env["REDIS_URL"],
            environment="test",
        )

    def auth(self, role: Role, **claims: Any) -> dict[str, str]:
        claims.setdefault("subject", f"chaos-{role}")
        token = mint_token(self.settings("registry"), role=role, **claims)
        return {"Authorization": f"Bearer {token}"}

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())

    def mail_count(self) -> int:
        """How many messages the SMTP sink accepted (cheap enough to poll)."""
        new = self.smtp.maildir / "new"
        return len(os.listdir(new)) if new.exists() else 0

    def mails(self) -> list[EmailMessage]:
        """Every message the SMTP sink accepted, parsed."""
        if not (self.smtp.maildir / "new").exists():
            return []
        box = mailbox.Maildir(self.smtp.maildir, create=False)
        parsed = (
            email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
            for key in box.iterkeys()
        )
        return [m for m in parsed if isinstance(m, EmailMessage)]

    def died(self) -> list[str]:
        """Children that exited although the test did not stop them."""
        return [n for n, p in self.procs.items() if p.returncode is None and reap(p) is not None]

    def log_tail(self, name: str, size: int = 4000) -> str:
        data = log_path(self.workdir, name).read_bytes()
        return data[-size:].decode("utf-8", "replace")

    async def ready(self, service: ServiceName) -> bool:
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                return (await client.get(f"{self.urls[service]}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    async def wait_ready(self, *services: ServiceName, within: float = 90) -> None:
        async def all_ready() -> bool:
            return all([await self.ready(s) for s in services])

        await self.wait_for(all_ready, f"{', '.join(services)} /readyz 200", within)

    async def enqueue(self, queue: ServiceName, function: str, **payload: Any) -> str:
        """Queue a job now, as the scheduler would on its next tick (a job id of its own)."""
        assert self.redis is not None
        job_id = f"chaos.{function}:{uuid.uuid4().hex}"
        await publish(self.redis, queue=queue, function=function, payload=payload, job_id=job_id)
        return job_id

    async def job_result(self, queue: ServiceName, job_id: str) -> Any:
        """What a finished job returned (arq keeps it for an hour); fails if it failed."""
        assert self.redis is not None
        job = Job(job_id, self.redis, _queue_name=queue_name(queue), _deserializer=deserialize)
        info = await job.result_info()
        assert info is not None and info.success, f"job {job_id}: {info}"
        return info.result

    async def outbox_jobs(
        self, service: ServiceName, function: str, decisions: list[str] | None = None
    ) -> list[str]:
        """Ids of the published outbox rows calling `function` (of these decisions): the arq job
        ids they became."""
        sql = (
            f"SELECT id::text FROM {service}.outbox"
            " WHERE function = :function AND published_at IS NOT NULL"
        )
        if decisions is not None:
            sql += " AND payload->>'decision_id' = ANY(:decisions)"
        rows = await self.rows(sql, function=function, decisions=decisions)
        return [row[0] for row in rows]

    async def job_tries(self, job_ids: list[str]) -> list[int]:
        """How many times a worker has started each job (arq's retry counter)."""
        assert self.redis is not None
        tries = [await self.redis.get(f"arq:retry:{job}") for job in job_ids]
        return [int(t or 0) for t in tries]

    async def running_jobs(self, job_ids: list[str]) -> int:
        """How many of these jobs a worker has taken and not finished (arq's in-progress key)."""
        assert self.redis is not None
        if not job_ids:
            return 0
        return int(await self.redis.exists(*(f"arq:in-progress:{j}" for j in job_ids)))

    async def pending_work(self) -> dict[str, int]:
        """What is still to do: unsent outbox rows, queued jobs, deliveries not yet final."""
        assert self.redis is not None
        found: dict[str, int] = {}
        for service in SERVICE_NAMES:
            unsent = f"SELECT count(*) FROM {service}.outbox WHERE published_at IS NULL"
            found[f"{service}.outbox"] = await self.scalar(unsent)
            found[f"queue:{service}"] = await self.redis.zcard(queue_name(service))
        found["deliveries"] = await self.scalar(
            "SELECT count(*) FROM notify.deliveries WHERE state = ANY(:pending)",
            pending=list(PENDING_DELIVERY),
        )
        return {k: v for k, v in found.items() if v}

    async def quiescent(self, within: float = 120) -> None:
        """Every outbox empty, every queue empty (no job waiting, running or deferred) and no
        delivery still to send. A job a killed worker held counts until it has run again."""
        remaining: dict[str, int] = {}

        async def settled() -> bool:
            nonlocal remaining
            remaining = await self.pending_work()
            return not remaining

        await self.wait_for(settled, lambda: f"quiescence (left: {remaining})", within)

    async def wait_for(
        self,
        condition: Callable[[], Awaitable[bool]],
        what: str | Callable[[], str],
        within: float = 90,
        interval: float = 0.25,
    ) -> None:
        """Poll until `condition()`; fail at once when a child dies, or after `within` seconds
        (a bound on a liveness wait, generous for a loaded machine: not a speed requirement)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not await condition():
            if dead := self.died():
                tails = "\n".join(f"--- {n}:\n{self.log_tail(n)}" for n in dead)
                raise AssertionError(f"{', '.join(dead)} exited on its own:\n{tails}")
            if loop.time() > deadline:
                label = what() if callable(what) else what
                raise AssertionError(f"timed out after {within:.0f}s waiting for {label}")
            await asyncio.sleep(interval)


def _foreign(key: str) -> bool:
    """Variables of the caller's environment that would point a child elsewhere."""
    return key.endswith("_URL") or key.startswith(("REGISTRY_", "REVIEW_", "NOTIFY_", "PG"))
