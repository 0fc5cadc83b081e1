"""A real ``jisso serve`` process on free ports, for what only a real server shows (how the HTTP
protocol reads a request head, which ports answer what)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from devtools.embedded import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Served:
    url: str
    port: int
    metrics_port: int
    log: Path


@contextmanager
def jisso_serve(
    service: str, database_url: str, redis_url: str, log_dir: Path, **env: str
) -> Iterator[Served]:
    """``jisso serve SERVICE`` with its metrics on a free port of their own (``METRICS_PORT``)."""
    port, metrics_port = free_port(), free_port()
    environment = {
        **os.environ,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "METRICS_PORT": str(metrics_port),
        "PYTHONPATH": str(ROOT),
        **env,
    }
    log = log_dir / f"{service}-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", service, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=ROOT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_serving(proc, url, log)
            yield Served(url=url, port=port, metrics_port=metrics_port, log=log)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_serving(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"jisso serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail(f"jisso serve did not answer {url}/healthz within 90 s")
