"""Prometheus metrics are not on the public API port: ``/metrics`` there is 404 (and absent from
the OpenAPI documents); each ``jisso serve`` serves them on a port of its own (``METRICS_PORT``),
which in Kubernetes only the ``monitoring`` namespace reaches (tests/deploy/test_kustomize_*.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from libs.common.settings import load_settings
from services.catalogue import DEFAULT_METRICS_PORTS, DEFAULT_PORTS, SERVICE_NAMES
from tests.security.served import Served, jisso_serve
from tests.security.wiring import Wired

OPENAPI = Path(__file__).resolve().parents[2] / "openapi"


@pytest.fixture(scope="module")
def notify(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with jisso_serve("notify", database_url, redis_url, tmp_path_factory.mktemp("serve")) as s:
        yield s


@pytest.mark.e2e
def test_the_public_port_has_no_metrics(notify: Served) -> None:
    for path in ("/metrics", "/metrics/", "/v1/metrics"):
        response = httpx.get(f"{notify.url}{path}", timeout=10)
        assert response.status_code == 404, path
        assert "jisso_" not in response.text


@pytest.mark.e2e
def test_the_metrics_port_serves_prometheus_text(notify: Served) -> None:
    httpx.get(f"{notify.url}/healthz", timeout=10)  # one request for the latency histogram
    # The gauges read from PostgreSQL and Redis are refreshed on the scrape, each source within
    # 3 s or skipped (logged): on a loaded machine the first scrape may come back without them.
    for _ in range(10):
        response = httpx.get(f"http://127.0.0.1:{notify.metrics_port}/metrics", timeout=15)
        assert response.status_code == 200
        if 'jisso_queue_depth{service="notify"}' in response.text:
            break
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE jisso_http_request_duration_seconds histogram" in text
    assert 'route="/healthz"' in text
    assert re.search(r'^jisso_outbox_unsent\{service="notify"\} \d+\.\d+$', text, re.M), text
    assert 'jisso_queue_depth{service="notify"}' in text
    assert "jisso_deliveries" in text  # notify's own hook
    # Only metrics: the API is not on this port.
    assert (
        "jisso_"
        not in httpx.get(f"http://127.0.0.1:{notify.metrics_port}/favicon.ico", timeout=10).text
    )


async def test_no_app_routes_metrics(wired: Wired) -> None:
    for service in SERVICE_NAMES:
        response = await wired.clients[service].get("/metrics")
        assert response.status_code == 404, service
        paths = json.loads((OPENAPI / f"{service}.json").read_text())["paths"]
        assert "/metrics" not in paths, service


def test_each_service_has_its_own_metrics_port() -> None:
    ports = [load_settings(s).metrics_listen_port for s in SERVICE_NAMES]
    assert ports == [DEFAULT_METRICS_PORTS[s] for s in SERVICE_NAMES]
    # `jisso up` runs the three on one machine: no API or metrics port twice (the worker: 9100).
    every = [*ports, *DEFAULT_PORTS.values(), 9100]
    assert len(set(every)) == len(every)


def test_a_service_prefixed_setting_overrides_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEW_METRICS_PORT", "9999")
    assert load_settings("review").metrics_listen_port == 9999
    assert load_settings("registry").metrics_listen_port == DEFAULT_METRICS_PORTS["registry"]
    monkeypatch.setenv("METRICS_PORT", "0")
    assert load_settings("registry").metrics_listen_port == 0
