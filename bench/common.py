"""What every benchmark shares: the run's context, figures, databases and the processes it
starts."""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import redis

from bench.generate import plain_url
from bench.loadgen import tree_cpu_seconds
from devtools.embedded import free_port
from devtools.supervisor import Supervisor
from libs.common.auth import Role, mint_token
from libs.common.migrations import upgrade
from libs.common.settings import Settings, load_settings
from services.catalogue import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[1]
# Outside development a service refuses the default secret: the bench runs them as production.
JWT_SECRET = "jisso-bench-secret-0123456789-abcdefghijklmnop"
LINK_SECRET = "jisso-bench-link-secret-0123456789-abcdefghij"
BENCH_RATE_LIMIT = "1000000/minute"
LIFTED_RATE_LIMIT = (
    f"per-token rate limit {BENCH_RATE_LIMIT} (shipped: {Settings().rate_limit_authenticated}):"
    " one token drives the whole load; both sides still count every request in Redis"
)


@dataclass
class Figure:
    """One measured comparison: our path, its floor, their ratio against the target."""

    bench: str
    name: str
    unit: str
    ours: float
    floor: float | None
    higher_is_better: bool
    target: float | None  # on ours/floor, or on ours itself when ``absolute``
    size: str
    notes: dict[str, str] = field(default_factory=dict)
    floor_label: str = "floor"  # what ``floor`` measured, when it is not the floor itself
    absolute: bool = False
    # ``ours`` and ``floor`` are costs (CPU per request): the ratio is floor ÷ ours, so higher is
    # better and "≥ 0.5" reads "at most twice the floor's cost".
    cost: bool = False
    # Per round, the ratio of that round (interleaved runs); the figure's ratio is their median.
    ratios: list[float] = field(default_factory=list)
    # Per side, every round's raw measures (bench/rounds.py Sample), for the report and history.
    rounds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    differs: str = ""  # what differs from the shipped settings in this run, and why

    @property
    def ratio(self) -> float | None:
        if self.ratios:
            return statistics.median(self.ratios)
        if self.floor is None or self.floor == 0 or (self.cost and self.ours == 0):
            return None
        return self.floor / self.ours if self.cost else self.ours / self.floor

    def ratio_text(self) -> str:
        if self.ratio is None:
            return "—"
        if len(self.ratios) > 1:
            return f"{self.ratio:.2f} ({min(self.ratios):.2f}–{max(self.ratios):.2f})"
        return f"{self.ratio:.2f}"

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        value = self.ours if self.absolute else self.ratio
        if value is None:
            return None
        return value >= self.target if self.higher_is_better else value <= self.target

    def target_text(self) -> str:
        if self.target is None:
            return "—"
        sign = "≥" if self.higher_is_better else "≤"
        return f"{sign} {self.target:g}" + (f" {self.unit}" if self.absolute else "")

    def line(self) -> str:
        verdict = {True: "met", False: "NOT met", None: ""}[self.passed]
        floor = f"{self.floor_label} {self.floor:,.2f}" if self.floor is not None else "no floor"
        ratio = f"ratio {self.ratio_text()}" if self.ratio is not None else ""
        extra = "; ".join(f"{k} {v}" for k, v in self.notes.items())
        return (
            f"{self.bench} {self.name}: ours {self.ours:,.2f} {self.unit} | {floor} | {ratio}"
            f" (target {self.target_text()}) {verdict} | {self.size}"
            + (f" | {extra}" if extra else "")
        )


@dataclass
class Context:
    """The run: where the data is, how long to measure, what was generated."""

    admin_url: str  # the PostgreSQL server (any database on it)
    database_url: str  # the generated data
    redis_url: str  # a database index of its own, flushed
    work_dir: Path
    scale: float
    seconds: float
    quick: bool
    sizes: dict[str, int] = field(default_factory=dict)
    rounds: int = 3  # interleaved rounds of ours and the floor per figure (bench/rounds.py)

    @property
    def token(self) -> str:
        return self.token_for(Role.operator)

    def token_for(self, role: Role, lg_code: str | None = None) -> str:
        settings = load_settings(
            "registry", jwt_secret=JWT_SECRET, link_secret=LINK_SECRET, environment="production"
        )
        return mint_token(
            settings, role=role, subject="bench", lg_code=lg_code, ttl_seconds=6 * 3600
        )

    def size_text(self, *tables: str) -> str:
        return ", ".join(f"{self.sizes.get(t, 0):,} {t.replace('_', ' ')}" for t in tables)


def redis_index(url: str, index: int) -> str:
    """``url`` pointed at database ``index``, emptied (the bench's jobs share no queue)."""
    own = urlunsplit(urlsplit(url)._replace(path=f"/{index}"))
    client = redis.Redis.from_url(own)
    client.flushdb()
    client.close()
    return own


async def create_database(admin_url: str, suffix: str = "") -> str:
    """A fresh database on the server of ``admin_url``, every service's schema at head."""
    name = f"jisso_bench_{uuid.uuid4().hex[:8]}{suffix}"
    conn = await asyncpg.connect(plain_url(admin_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = urlunsplit(urlsplit(plain_url(admin_url))._replace(path=f"/{name}"))
    for service in SERVICE_NAMES:
        await upgrade(service, url)
    return url


async def drop_database(admin_url: str, url: str) -> None:
    conn = await asyncpg.connect(plain_url(admin_url))
    try:
        name = urlsplit(url).path.lstrip("/")
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def service_env(ctx: Context, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a service process: production mode, the bench's servers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PG"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        JWT_SECRET=JWT_SECRET,
        LINK_SECRET=LINK_SECRET,
        ENVIRONMENT="production",
        PYTHONPATH=str(ROOT),
        # One token drives thousands of requests a second: the per-caller limit is set far above
        # that, so its Redis round trip is measured (ours and the floor make it) but never refuses.
        # A lifted shipped limit: every figure served this way says so (LIFTED_RATE_LIMIT).
        RATE_LIMIT_AUTHENTICATED=BENCH_RATE_LIMIT,
    )
    env.update(extra)
    return env


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "services.cli", *args]


@contextmanager
def processes(ctx: Context, label: str) -> Iterator[Supervisor]:
    """Children of one benchmark; every one is stopped when the block ends."""
    supervisor = Supervisor(ctx.work_dir / label, echo=lambda line: print(line, flush=True))
    try:
        yield supervisor
    finally:
        supervisor.stop_all(timeout=20)


def serve(
    supervisor: Supervisor,
    name: str,
    argv: list[str],
    env: Mapping[str, str],
    port: int | None = None,
) -> tuple[str, int]:
    """Start an HTTP server child (on a free port unless given); its base URL and pid once its
    /readyz answers 200."""
    port = port or free_port()
    child = supervisor.spawn(name, [*argv, "--port", str(port)], env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    supervisor.wait_http_ok([f"{url}/readyz"], timeout=180)
    return url, child.pid


def cpu_seconds(pid: int) -> float:
    return tree_cpu_seconds(pid)


def run_async(coro: Any) -> Any:
    return asyncio.run(coro)


def elapsed(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"
