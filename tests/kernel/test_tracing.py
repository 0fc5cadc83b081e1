"""One trace id across services: HTTP calls carry ``traceparent`` and queued jobs carry it too."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import structlog
from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.app import create_service_app
from libs.common.http import ServiceClient
from libs.common.outbox import add_message
from libs.common.queue import job
from libs.common.settings import Settings
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.registry.models import outbox as registry_outbox
from services.review.models import outbox as review_outbox

log = structlog.get_logger("test")
router_a = APIRouter(route_class=UnitOfWorkRoute)
router_b = APIRouter(route_class=UnitOfWorkRoute)


@router_b.get("/v1/echo")
async def echo() -> dict[str, str]:
    log.info("b_handled")
    return {"ok": "yes"}


@router_a.post("/v1/start")
async def start(request: Request, session: SessionDep) -> dict[str, str]:
    log.info("a_handled")
    response = await request.app.state.peer.get("/v1/echo")
    await add_message(session, review_outbox, queue="review", function="traced", payload={})
    return response.json()  # type: ignore[no-any-return]


@job
async def traced(session: AsyncSession, payload: dict[str, Any], ctx: dict[str, Any]) -> None:
    log.info("job_handled")


def trace_ids(output: str, event: str) -> set[str]:
    ids = set()
    for line in output.splitlines():
        if line.startswith("{") and f'"event": "{event}"' in line:
            ids.add(json.loads(line)["trace_id"])
    return ids


async def test_a_trace_started_in_one_service_reaches_the_peer_and_the_job(
    make_settings: Callable[..., Settings],
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    capfd: pytest.CaptureFixture[str],
) -> None:
    app_b = create_service_app(
        settings=make_settings("registry"),
        title="b",
        description="b",
        version="0",
        routers=[router_b],
        outbox=registry_outbox,
    )
    settings_a = make_settings("review")
    app_a = create_service_app(
        settings=settings_a,
        title="a",
        description="a",
        version="0",
        routers=[router_a],
        outbox=review_outbox,
    )
    for app in (app_a, app_b):
        app.state.sessionmaker = sessionmaker
    app_a.state.peer = ServiceClient(
        settings_a, "registry", transport=httpx.ASGITransport(app=app_b)
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app_a), base_url="http://a"
    ) as client:
        assert (await client.post("/v1/start")).json() == {"ok": "yes"}
    payload = (
        await session.execute(
            select(review_outbox.c.payload).where(review_outbox.c.function == "traced")
        )
    ).scalar_one()
    await traced({"sessionmaker": sessionmaker}, payload)
    await app_a.state.peer.aclose()

    output = capfd.readouterr().out
    started = trace_ids(output, "a_handled")
    assert len(started) == 1
    assert trace_ids(output, "b_handled") == started
    assert trace_ids(output, "job_handled") == started
    assert trace_ids(output, "request") >= started  # the access log lines of both apps


def test_spans_are_recorded_once_something_exports_them_and_carry_ids_before() -> None:
    """Unrecorded spans still continue the caller's trace and have ids of their own, which log
    lines carry; the first span processor turns recording on (libs/common/tracing.py)."""
    from opentelemetry import propagate
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from libs.common.tracing import _Provider

    provider = _Provider("registry")
    tracer = provider.get_tracer("test")
    caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    unrecorded = tracer.start_span("GET /", context=propagate.extract({"traceparent": caller}))
    ids = unrecorded.get_span_context()
    assert not unrecorded.is_recording()
    assert format(ids.trace_id, "032x") == "0af7651916cd43dd8448eb211c80319c"
    assert ids.span_id != 0xB7AD6B7169203331 and ids.is_valid

    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    recorded = tracer.start_span("GET /", context=propagate.extract({"traceparent": caller}))
    recorded.end()
    assert recorded.is_recording() is False  # ended
    assert [span.name for span in exporter.get_finished_spans()] == ["GET /"]
