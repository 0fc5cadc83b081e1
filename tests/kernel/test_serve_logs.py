"""`jisso serve` logs JSON only: uvicorn's own start, stop and error lines go through structlog.

A real `python -m services.cli serve notify` process on a free port, asked a few things and stopped
with SIGTERM as Kubernetes does; every line it wrote on stdout and stderr must parse as JSON.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from libs.common.embedded import free_port

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def _wait_until_serving(proc: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"jisso serve exited with {proc.returncode}"
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail(f"jisso serve did not answer {url}/healthz within 90 s")


def test_every_line_jisso_serve_writes_is_json(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "INFO",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PYTHONPATH": str(ROOT),
    }
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", "notify", "--port", str(port)],
            stdout=stdout,
            stderr=stderr,
            env=env,
            cwd=ROOT,
        )
        try:
            _wait_until_serving(proc, url)
            assert httpx.get(f"{url}/readyz", timeout=10).status_code in (200, 503)
            assert httpx.get(f"{url}/v1/campaigns", timeout=10).status_code == 401
            assert httpx.get(f"{url}/no-such-route", timeout=10).status_code == 404
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)

    lines = [line for f in (out, err) for line in f.read_text().splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"a line jisso serve wrote is not JSON: {line!r}")
    uvicorn_events = [r["event"] for r in records if r.get("logger") == "uvicorn.error"]
    assert f"Uvicorn running on {url} (Press CTRL+C to quit)" in uvicorn_events
    # A clean stop (uvicorn then re-raises the SIGTERM, so the exit status is the signal's).
    assert "Application shutdown complete." in uvicorn_events
    assert any(e.startswith("Finished server process") for e in uvicorn_events)
    assert all(r.get("service") == "notify" for r in records)


@pytest.mark.parametrize("command", [["serve", "review"], ["worker"], ["scheduler"]])
def test_refused_settings_stop_a_process_with_one_line_naming_them(command: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("JWT_SECRET", "LINK_SECRET"))}
    env.update(ENVIRONMENT="production", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", *command],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )

    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("jisso: refusing to start ")
    assert "JWT_SECRET must be set to a secret of at least 32 characters" in line
    assert "Traceback" not in done.stderr
