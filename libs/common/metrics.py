"""Prometheus metrics: request latency by route template, queue depth and outbox lag per service,
and job duration and effects in workers (``jisso worker --metrics-port``)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

log = structlog.get_logger(__name__)
MetricsHook = Callable[[Any], Awaitable[None]]

JOB_SECONDS = Histogram(
    "jisso_job_duration_seconds",
    "Queue job duration, sweeps included",
    ["function"],
    registry=REGISTRY,
)
JOB_EFFECTS = Counter(
    "jisso_job_effects_total", "Effects a job reported (rows changed, messages sent)", ["function"]
)


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.request_seconds = Histogram(
            "jisso_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        # Labelled children by (method, route, status): finite (route templates, not paths), and
        # looked up here rather than through ``labels()``, which validates and locks per call.
        self._request_series: dict[tuple[str, str, int], Any] = {}
        self.queue_depth = Gauge(
            "jisso_queue_depth",
            "Jobs waiting in the service's queue",
            ["service"],
            registry=self.registry,
        )
        self.outbox_unsent = Gauge(
            "jisso_outbox_unsent",
            "Outbox rows not yet published",
            ["service"],
            registry=self.registry,
        )
        self.outbox_rearmed = Gauge(
            "jisso_outbox_rearmed",
            "Messages whose job ran out of tries, waiting in the outbox to be queued again",
            ["service"],
            registry=self.registry,
        )
        self.outbox_lag = Gauge(
            "jisso_outbox_lag_seconds",
            "Age of the oldest unpublished outbox row",
            ["service"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "jisso_rate_limited_total",
            "Requests refused with 429, by rate limit class",
            ["service", "policy"],
            registry=self.registry,
        )
        self.rate_limit_unchecked = Counter(
            "jisso_rate_limit_unchecked_total",
            "Requests served without a rate limit check because Redis was unavailable",
            ["service"],
            registry=self.registry,
        )
        # Service-specific gauges (e.g. notify's deliveries by state) refresh through these hooks.
        self.hooks: list[MetricsHook] = []

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        series = self._request_series.get(key)
        if series is None:
            series = self.request_seconds.labels(self.service, method, route, str(status))
            self._request_series[key] = series
        series.observe(seconds)


def observe_job(function: str, started: float, result: object) -> None:
    JOB_SECONDS.labels(function).observe(time.perf_counter() - started)
    if isinstance(result, int) and not isinstance(result, bool):
        JOB_EFFECTS.labels(function).inc(result)
