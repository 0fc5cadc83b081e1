"""Liveness of the worker and the scheduler: ``/healthz`` beside the metrics on their metrics port.

An API is alive while uvicorn answers; a worker or a scheduler answers nothing, so a wedged event
loop (a blocking call, a lost wake-up) would hold its pod doing nothing until someone noticed. The
process's loop beats a :class:`Heartbeat` every few seconds; the metrics thread answers
``/healthz`` 200 while the last beat is fresh and 503 once it is older than 30 s, and the kubelet
restarts the pod. The beat never waits on PostgreSQL or Redis: an outage of a dependency is no
reason to restart anything (docs/operations.md, "Health").

Served by prometheus_client's WSGI app behind a two-path dispatcher on the standard library's
threading WSGI server, as prometheus_client's own ``start_http_server`` does: a web framework for
two paths in a thread would be more code, not less.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import structlog
from prometheus_client import REGISTRY, make_wsgi_app

log = structlog.get_logger(__name__)
BEAT_SECONDS = 5.0
STALE_AFTER_SECONDS = 30.0
Environ = dict[str, Any]
StartResponse = Callable[..., Any]


class Heartbeat:
    """When the loop last ran; read from the metrics thread (a float swap, atomic under the GIL)."""

    def __init__(self, stale_after: float = STALE_AFTER_SECONDS) -> None:
        self.stale_after = stale_after
        self.last = time.monotonic()

    def beat(self) -> None:
        self.last = time.monotonic()

    def age(self) -> float:
        return time.monotonic() - self.last

    def fresh(self) -> bool:
        return self.age() <= self.stale_after


async def keep_beating(
    heartbeat: Heartbeat,
    every: float = BEAT_SECONDS,
    also: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Beat until cancelled; ``also`` (a gauge refresh, say) runs after each beat, bounded, and its
    failure is logged at debug: the beat proves the loop runs, not that Redis answers."""
    while True:
        heartbeat.beat()
        if also is not None:
            try:
                await asyncio.wait_for(also(), timeout=every)
            except Exception as exc:
                log.debug("liveness_refresh_failed", error=str(exc) or type(exc).__name__)
        await asyncio.sleep(every)


def _app(heartbeat: Heartbeat) -> Callable[[Environ, StartResponse], Iterable[bytes]]:
    metrics = make_wsgi_app(REGISTRY)

    def dispatch(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/healthz":
            return metrics(environ, start_response)
        age = heartbeat.age()
        fresh = age <= heartbeat.stale_after
        body = f'{{"status": "{"ok" if fresh else "stale"}", "heartbeat_age": {age:.1f}}}'
        status = "200 OK" if fresh else "503 Service Unavailable"
        start_response(status, [("Content-Type", "application/json")])
        return [body.encode()]

    return dispatch


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    """A probe every few seconds is no log line."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class LivenessServer:
    server: WSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve(port: int, heartbeat: Heartbeat, host: str = "0.0.0.0") -> LivenessServer:
    """Prometheus metrics and ``/healthz`` on ``host:port`` from a daemon thread."""
    server = make_server(
        host, port, _app(heartbeat), server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="liveness", daemon=True)
    thread.start()
    log.info("metrics_serving", host=host, port=port, healthz="/healthz")
    return LivenessServer(server, thread)
