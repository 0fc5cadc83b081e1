"""Prometheus metrics: request latency by route template, and gauges a service may register."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.request_seconds = Histogram(
            "jisso_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.service = service


class MetricsMiddleware:
    """Pure ASGI middleware: observes latency with the route template, not the raw path."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            self.metrics.request_seconds.labels(
                self.metrics.service, scope["method"], template, str(status)
            ).observe(time.perf_counter() - started)
