"""`jisso serve` logs JSON only: uvicorn's own start, stop and error lines go through structlog.

A real `python -m services.cli serve notify` process on a free port, asked a few things and stopped
with SIGTERM as Kubernetes does; every line it wrote on stdout and stderr must parse as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.security.served import jisso_serve

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_every_line_jisso_serve_writes_is_json(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    with jisso_serve("notify", database_url, redis_url, tmp_path, LOG_LEVEL="INFO") as served:
        url = served.url
        assert httpx.get(f"{url}/readyz", timeout=10).status_code in (200, 503)
        assert httpx.get(f"{url}/v1/campaigns", timeout=10).status_code == 401
        assert httpx.get(f"{url}/no-such-route", timeout=10).status_code == 404

    lines = [line for line in served.log.read_text().splitlines() if line.strip()]
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
