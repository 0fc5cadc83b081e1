"""`jisso worker` and `jisso scheduler` as real processes; their metrics port read over HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from devtools.embedded import free_port
from devtools.supervisor import Child, log_path, reap, start_child, stop_child

ROOT = Path(__file__).resolve().parents[2]
WITHIN = 60.0


class Jisso:
    """One `python -m services.cli …` child serving /healthz and metrics on a port of its own."""

    def __init__(self, workdir: Path, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.port = free_port()
        self.name = name
        self.log = log_path(workdir, name)
        full_env = {**os.environ, "ENVIRONMENT": "test", "PYTHONPATH": str(ROOT), **env}
        command = [sys.executable, "-m", "services.cli", *argv, "--metrics-port", str(self.port)]
        self.proc: Child = start_child(command, self.log, env=full_env, cwd=ROOT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthz(self, timeout: float = 2.0) -> httpx.Response:
        return httpx.get(f"{self.url}/healthz", timeout=timeout)

    def metric(self, name: str, labels: str = "") -> float | None:
        """A sample's value from the metrics port, None when it is not there (yet)."""
        text = httpx.get(f"{self.url}/metrics", timeout=2.0).text
        pattern = rf"^{re.escape(name)}{re.escape(labels)} (\S+)$"
        found = re.search(pattern, text, re.MULTILINE)
        return float(found.group(1)) if found else None

    def records(self) -> list[dict[str, object]]:
        """Every JSON line the process wrote (the supervisor's `--- start` header aside)."""
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    async def wait_for(self, condition: Callable[[], bool | Awaitable[bool]], what: str) -> None:
        deadline = time.monotonic() + WITHIN
        while True:
            try:
                result = condition()
                if not isinstance(result, bool):
                    result = await result
                if result:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            assert reap(self.proc) is None, f"{self.name} exited waiting for {what}: {self.tail()}"
            assert time.monotonic() < deadline, f"{self.name}: no {what} in {WITHIN:.0f} s"
            await asyncio.sleep(0.2)

    def tail(self) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8").splitlines()[-15:])

    def kill(self) -> None:
        stop_child(self.proc, signal.SIGKILL)

    def stop(self) -> int:
        code = stop_child(self.proc, signal.SIGTERM, timeout=30)
        stop_child(self.proc, signal.SIGKILL)
        return code
