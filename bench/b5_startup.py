"""B5 start-up: ``jisso up`` on an existing data dir until all three ``/readyz`` answer 200.

The data dir is made by a first, untimed ``jisso up`` (initdb, migrations, seed), stopped with
Ctrl-C (SIGINT) as an operator would. Then ``jisso up`` is started again on it and timed from
spawn to the last of the three 200s, several times (the median is the figure). The floor is what
no start-up can skip on this machine: the embedded PostgreSQL, Redis and SMTP servers starting
on the same data dir, timed the same way. Ports are free ones, so a ``jisso up`` someone else runs
on 8001–8003 is not disturbed; ``DATABASE_URL``/``REDIS_URL``/``SMTP_URL`` are removed from the
child's environment, so it starts the embedded servers as ``make run`` does.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.common import ROOT, Context, Figure, cli
from devtools.embedded import EmbeddedPostgres, EmbeddedRedis, EmbeddedSmtp, free_port
from services.catalogue import SERVICE_NAMES

RUNS = 3
CLEARED = ("DATABASE_URL", "REDIS_URL", "SMTP_URL", "JWT_SECRET", "ENVIRONMENT")


def _env() -> tuple[dict[str, str], list[str]]:
    """``jisso up``'s environment: this one, without the URLs that would replace embedded
    servers."""
    env = {k: v for k, v in os.environ.items() if not k.endswith(CLEARED)}
    urls = []
    for name in SERVICE_NAMES:
        env[f"{name.upper()}_URL"] = f"http://127.0.0.1:{free_port()}"
        urls.append(f"{env[f'{name.upper()}_URL']}/readyz")
    return env, urls


def _all_ready(client: httpx.Client, urls: list[str]) -> bool:
    try:
        return all(client.get(url).status_code == 200 for url in urls)
    except httpx.HTTPError:
        return False


def start_up(data_dir: Path, log: Path, timeout: float) -> float:
    """Seconds from spawning ``jisso up`` to all three 200s; then it is stopped."""
    env, urls = _env()
    with log.open("ab") as out:
        started = time.perf_counter()
        child = subprocess.Popen(
            cli("up", "--data-dir", str(data_dir)),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        with httpx.Client(timeout=2) as client:
            while not _all_ready(client, urls):
                if child.poll() is not None:
                    raise RuntimeError(f"jisso up exited with {child.returncode}; see {log}")
                if time.perf_counter() - started > timeout:
                    raise TimeoutError(f"jisso up not ready after {timeout:.0f} s; see {log}")
                time.sleep(0.05)
        return time.perf_counter() - started
    finally:
        _stop(child, data_dir)


def _stop(child: subprocess.Popen[bytes], data_dir: Path) -> None:
    """Ctrl-C, as an operator stops it (SIGINT also works before its own handlers are in place),
    then wait until PostgreSQL has let go of the data dir, so the next start finds it free."""
    child.send_signal(signal.SIGINT)
    try:
        child.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + 60
    while (data_dir / "postgres" / "postmaster.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)


def servers_alone(data_dir: Path) -> float:
    """The floor: the three embedded servers on the same data dir, started and answering."""
    started = time.perf_counter()
    running = [
        EmbeddedPostgres(data_dir, free_port()),
        EmbeddedRedis(data_dir, free_port()),
        EmbeddedSmtp(data_dir, free_port()),
    ]
    try:
        for server in running:
            server.start()
        return time.perf_counter() - started
    finally:
        for server in reversed(running):
            server.stop()


def run(ctx: Context, report: Callable[[Figure], None]) -> list[Figure]:
    data_dir, log = ctx.work_dir / "up", ctx.work_dir / "up.log"
    # The install's bytecode cache (services/bytecode.py) is as `make` leaves it: filled, so
    # "from nothing" means an empty data dir, not uncompiled code.
    first = start_up(data_dir, log, timeout=600)
    floor: list[float] = []
    ours: list[float] = []
    for _ in range(1 if ctx.quick else max(RUNS, ctx.rounds)):  # interleaved, as B1/B2
        floor.append(servers_alone(data_dir))
        ours.append(start_up(data_dir, log, timeout=300))
    figure = Figure(
        bench="B5",
        name="`jisso up` on an existing data dir → three /readyz 200",
        unit="s",
        ours=statistics.median(ours),
        floor=statistics.median(floor),
        floor_label="embedded servers alone",
        higher_is_better=False,
        target=5.0,  # issue #20
        absolute=True,
        size="seeded registry, empty queues",
        notes={
            "runs": ", ".join(f"{s:.1f} s" for s in ours),
            "floor runs": ", ".join(f"{s:.1f} s" for s in floor),
            "first start (initdb, migrate, seed; bytecode as make left it)": f"{first:.1f} s",
            "environment": "PYTHONDONTWRITEBYTECODE="
            + os.environ.get("PYTHONDONTWRITEBYTECODE", "(unset)"),
        },
    )
    report(figure)
    fresh = Figure(
        bench="B5",
        name="`jisso up` from nothing (initdb, migrations, seed) → three /readyz 200",
        unit="s",
        ours=first,
        floor=None,
        higher_is_better=False,
        target=10.0,  # issue #20
        absolute=True,
        size="empty data dir",
        notes={
            "runs": "one (a second would start from an existing data dir)",
            "bytecode": "the install's cache as `make` fills it (an empty cache adds the"
            " compilation of every module: 12.3 s measured once by hand, 2026-12-06)",
        },
    )
    report(fresh)
    return [figure, fresh]
