"""With spans exported, a request's database statements, Redis commands and outgoing HTTP calls
are spans of their own, children of the request's server span: a slow request shows where its
time went. Real PostgreSQL, Redis and an HTTP server; the spans are read from an in-memory
exporter instead of a collector."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from fastapi import APIRouter, Request
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from redis.asyncio import Redis
from sqlalchemy import text

from libs.common.app import create_service_app
from libs.common.db import create_engine, create_sessionmaker
from libs.common.settings import Settings
from libs.common.tracing import configure_tracing, instrument_clients, stop_instrumenting
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.registry.models import outbox as registry_outbox

router = APIRouter(route_class=UnitOfWorkRoute)


@router.get("/v1/traced")
async def traced(request: Request, session: SessionDep) -> dict[str, str]:
    await session.execute(text("SELECT 1"))
    redis = Redis.from_url(request.app.state.traced_redis_url)
    try:
        await redis.ping()
    finally:
        await redis.aclose()
    async with httpx.AsyncClient() as client:
        await client.get(request.app.state.traced_peer_url)
    return {"ok": "yes"}


class _Peer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:  # not onto the test's stderr
        pass


@pytest.fixture
def peer_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Peer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    """What an OTLP endpoint would be sent, with the clients instrumented as it turns on."""
    configure_tracing("registry")  # the process's provider, if no test installed it yet
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrument_clients()
    try:
        yield exporter
    finally:
        stop_instrumenting()
        exporter.shutdown()  # the processor stays on the provider; it exports nothing more


async def test_database_redis_and_http_calls_are_children_of_the_server_span(
    make_settings: Callable[..., Settings], exported: InMemorySpanExporter, peer_url: str
) -> None:
    settings = make_settings("registry")
    app = create_service_app(
        settings=settings,
        title="traced",
        description="traced",
        version="0",
        routers=[router],
        outbox=registry_outbox,
    )
    engine = create_engine(settings, pool_size=1)  # made while instrumented, as a process would
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.traced_redis_url, app.state.traced_peer_url = settings.redis_url, peer_url
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://registry"
        ) as client:
            assert (await client.get("/v1/traced")).json() == {"ok": "yes"}
    finally:
        await engine.dispose()

    spans = exported.get_finished_spans()
    (server,) = [s for s in spans if s.kind is SpanKind.SERVER and s.name == "GET /v1/traced"]
    assert server.context is not None
    children = [s for s in spans if s.parent is not None and s.parent == server.context]

    def by(instrumentation: str) -> list[ReadableSpan]:
        return [
            s
            for s in children
            if s.instrumentation_scope is not None
            and s.instrumentation_scope.name == f"opentelemetry.instrumentation.{instrumentation}"
        ]

    statements = [s.attributes or {} for s in by("sqlalchemy")]
    assert any("SELECT 1" in str(a.get("db.statement", a.get("db.query.text"))) for a in statements)
    assert [s.name for s in by("redis")] == ["PING"]
    (call,) = by("httpx")
    assert call.kind is SpanKind.CLIENT and call.context is not None
    assert call.context.trace_id == server.context.trace_id
