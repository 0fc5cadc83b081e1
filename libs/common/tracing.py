"""OpenTelemetry traces across services: W3C ``traceparent`` over HTTP and inside queued jobs.

Trace ids are always generated (the SDK tracer provider is installed in every process) so that log
lines of one decision can be joined across services; spans are exported only when
``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (off by default).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from structlog.typing import EventDict

log = structlog.get_logger("jisso.access")
TRACE_CARRIER_KEY = "_trace"
_configured = False


def configure_tracing(service: str, otlp_endpoint: str = "") -> None:
    """Install the tracer provider once per process (the first service to start names it)."""
    global _configured
    if _configured:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": f"jisso-{service}"}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    trace.set_tracer_provider(provider)
    _configured = True


@functools.cache
def tracer() -> trace.Tracer:
    # Once per process: looking the tracer up costs as much as starting a span. Made before the
    # provider is installed, it is a proxy that finds the provider on first use.
    return trace.get_tracer("jisso")


def add_trace_ids(_: object, __: str, event: EventDict) -> EventDict:
    """structlog processor: every log line carries the current trace and span ids."""
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        event.setdefault("trace_id", format(span_context.trace_id, "032x"))
        event.setdefault("span_id", format(span_context.span_id, "016x"))
    return event


def inject_headers(headers: dict[str, str]) -> dict[str, str]:
    propagate.inject(headers)
    return headers


def current_carrier() -> dict[str, str]:
    """The current trace context, to travel inside a queued job's payload."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextmanager
def job_span(name: str, carrier: dict[str, str] | None) -> Iterator[trace.Span]:
    """A consumer span continuing the trace of whoever queued the job."""
    parent = propagate.extract(carrier or {})
    with tracer().start_as_current_span(
        f"job {name}", context=parent, kind=SpanKind.CONSUMER
    ) as span:
        yield span


def access_log(method: str, route: str, status: int, started: float) -> None:
    fields: dict[str, Any] = {
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    if route not in ("/healthz", "/readyz", "/metrics"):
        log.info("request", **fields)
