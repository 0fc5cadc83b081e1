"""Symposia that took place are held: on entry after their end, by the daily sweep, and final."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.settings import Settings
from services.registry.audit.models import AuditEvent
from services.registry.symposia.models import Symposium
from services.registry.symposia.tasks import hold_past_symposia
from services.registry.worker import PERIODIC, worker_spec
from tests.fixtures.workers import worker_context
from tests.registry.test_symposia import symposium


async def test_a_symposium_entered_after_its_end_is_held_and_final(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    past = symposium(
        fiscal_year="R3", starts_at="2021-11-05T13:30:00", ends_at="2021-11-05T15:00:00"
    )
    created = await registry.post("/v1/symposia", json=past, headers=operator)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "held"
    url = f"/v1/symposia/{created.json()['id']}"

    changed = await registry.patch(
        url, json={"theme": "x"}, headers={**operator, "If-Match": created.headers["ETag"]}
    )
    assert changed.status_code == 409
    # `hold` and `correct` are internal: a held symposium offers a caller nothing.
    problem = changed.json()
    assert (problem["rule"], problem["state"], problem["event"]) == (
        "state_transition",
        "held",
        "update",
    )
    assert problem["allowed_events"] == []
    cancelled = await registry.post(f"{url}/cancellation", json={"reason": "x"}, headers=operator)
    assert cancelled.status_code == 409
    assert (cancelled.json()["state"], cancelled.json()["event"]) == ("held", "cancel")
    stored = await session.get(Symposium, uuid.UUID(created.json()["id"]))
    assert stored is not None and (stored.theme, stored.sequence) == ("テスト", 0)


async def test_format_is_null_where_not_stated(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    created = await registry.post("/v1/symposia", json=symposium(format=None), headers=operator)
    assert created.status_code == 201, created.text
    assert created.json()["format"] is None
    url = f"/v1/symposia/{created.json()['id']}"
    stated = await registry.patch(
        url, json={"format": "hybrid"}, headers={**operator, "If-Match": created.headers["ETag"]}
    )
    assert (stated.json()["format"], stated.json()["sequence"]) == ("hybrid", 1)
    unknown = await registry.patch(
        url, json={"format": None}, headers={**operator, "If-Match": stated.headers["ETag"]}
    )
    assert (unknown.json()["format"], unknown.json()["sequence"]) == (None, 2)
    bad = await registry.patch(
        url, json={"format": "online"}, headers={**operator, "If-Match": unknown.headers["ETag"]}
    )
    assert bad.status_code == 422


async def test_the_daily_sweep_holds_what_has_ended_once_and_leaves_cancelled_ones(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    make_settings: Callable[..., Settings],
) -> None:
    ids = {}
    for number, day in ((21, "2040-11-05"), (22, "2040-11-06"), (23, "2040-11-05")):
        body = symposium(number=number, starts_at=f"{day}T13:30:00", ends_at=f"{day}T15:00:00")
        created = await registry.post("/v1/symposia", json=body, headers=operator)
        assert created.json()["status"] == "scheduled"
        ids[number] = created.json()["id"]
    cancelled = await registry.post(f"/v1/symposia/{ids[23]}/cancellation", headers=operator)
    assert cancelled.json()["status"] == "cancelled"
    before = await registry.get(f"/v1/symposia/{ids[21]}", headers=operator)

    # The job as the worker runs it, in the scheduler's slot (00:00 UTC = 09:00 JST on 11-06).
    ctx = worker_context("registry", make_settings("registry"), sessionmaker)
    slot = {"as_of": "2040-11-06T00:00:00+00:00"}
    assert await hold_past_symposia(ctx, slot) == {"held": [ids[21]]}
    assert await hold_past_symposia(ctx, slot) == {"held": []}

    states = {
        n: (await registry.get(f"/v1/symposia/{i}", headers=operator)).json()["status"]
        for n, i in ids.items()
    }
    assert states == {21: "held", 22: "scheduled", 23: "cancelled"}
    # The sweep steps the version: an ETag read before it is stale.
    stale = await registry.patch(
        f"/v1/symposia/{ids[21]}",
        json={"theme": "x"},
        headers={**operator, "If-Match": before.headers["ETag"]},
    )
    assert stale.status_code == 412
    [event] = (
        await session.scalars(
            select(AuditEvent).where(
                AuditEvent.subject_id == ids[21], AuditEvent.action == "symposium.held"
            )
        )
    ).all()
    assert (event.actor, event.before, event.after) == (
        "system:registry-worker",
        {"status": "scheduled"},
        {"status": "held", "as_of": "2040-11-06T09:00:00+09:00"},
    )


def test_the_scheduler_runs_the_hold_sweep_daily_on_the_registry_worker() -> None:
    [periodic] = [p for p in PERIODIC if p.function == "hold_past_symposia"]
    assert (periodic.queue, periodic.every) == ("registry", timedelta(days=1))
    assert hold_past_symposia in worker_spec().functions
