"""OpenTelemetry traces across services: W3C ``traceparent`` over HTTP and inside queued jobs.

Trace ids are always generated (the SDK tracer provider is installed in every process) so that log
lines of one decision can be joined across services; spans are exported only when
``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (off by default), and then database statements, Redis
commands and outgoing HTTP calls are spans too (the OpenTelemetry instrumentations for
SQLAlchemy, redis and httpx), so a slow request shows where its time went.

Until a span processor is added (the exporter, or a test's), spans are not recorded: the SDK's
sampler decision "drop" still gives each span its ids, which log lines carry and ``traceparent``
passes on, without the attributes, events and bookkeeping nobody would read (a twentieth of a
one-row read's CPU).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from opentelemetry import metrics, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
)
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncEngine
from structlog.typing import EventDict

log = structlog.get_logger("jisso.access")
TRACE_CARRIER_KEY = "_trace"
_configured = False
_instrumented = False


class _RecordedWhenExported(Sampler):
    """The SDK's default (parent-based, always on) once spans are exported; until then, drop."""

    def __init__(self) -> None:
        self.exporting = False
        self._default = ParentBased(ALWAYS_ON)

    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        if self.exporting:
            return self._default.should_sample(*args, **kwargs)
        return SamplingResult(Decision.DROP)

    def get_description(self) -> str:
        return f"RecordedWhenExported{{{self._default.get_description()}}}"


class _Provider(TracerProvider):
    def __init__(self, service: str) -> None:
        self._recorded = _RecordedWhenExported()
        resource = Resource.create({"service.name": f"jisso-{service}"})
        super().__init__(resource=resource, sampler=self._recorded)

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        self._recorded.exporting = True
        super().add_span_processor(span_processor)


def configure_tracing(service: str, otlp_endpoint: str = "") -> None:
    """Install the tracer provider once per process (the first service to start names it)."""
    global _configured
    if _configured:
        return
    provider = _Provider(service)
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    trace.set_tracer_provider(provider)
    _configured = True
    if otlp_endpoint:
        instrument_clients()


def instrument_clients() -> None:
    """From now on Redis commands and outgoing httpx requests are spans (children of whatever
    span is current: a request's, a job's), and so are the statements of every engine
    :func:`instrument_engine` is handed. Only while spans are exported: without a collector
    they would cost a request's time for nothing."""
    global _instrumented
    if _instrumented:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    _instrumented = True


def stop_instrumenting() -> None:
    """Undo :func:`instrument_clients` (a test that turned it on); engines already instrumented
    keep their spans until disposed."""
    global _instrumented
    if not _instrumented:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor().uninstrument()
    HTTPXClientInstrumentor().uninstrument()
    _instrumented = False


def instrument_engine(engine: AsyncEngine) -> None:
    """A span per statement of this engine, when clients are instrumented. Per engine, as
    libs/common/db.py creates it: the instrumentor's own hook wraps ``create_async_engine``
    where SQLAlchemy defines it, which a name imported before it misses."""
    if not _instrumented:
        return
    from opentelemetry.instrumentation.sqlalchemy import __name__ as instrumentation
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    usage = metrics.get_meter(instrumentation).create_up_down_counter(
        "db.client.connections.usage", unit="connections"
    )
    EngineTracer(trace.get_tracer(instrumentation), engine.sync_engine, usage)


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
