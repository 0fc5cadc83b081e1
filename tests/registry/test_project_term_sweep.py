"""A project's status follows its term: the term sweep (支援期間満了), its job, how the review's own
decisions still land on a project the sweep ended, and the status filter agreeing with
``status_as_of`` on every day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.auth import Role
from libs.common.fiscal_year import today_tokyo
from libs.common.settings import Settings
from services.registry.audit.models import AuditEvent
from services.registry.projects.expiry import end_expired_terms
from services.registry.projects.models import TermChange
from services.registry.projects.tasks import sweep_project_terms
from services.registry.worker import PERIODIC, worker_spec
from tests.fixtures.clients import bearer
from tests.fixtures.workers import worker_context
from tests.registry.projects_support import create

pytestmark = pytest.mark.usefixtures("project_world")
STATUSES = ("not_started", "supported", "extended", "ended", "withdrawn")


async def project(
    registry: httpx.AsyncClient, operator: dict[str, str], fy: str, title: str
) -> str:
    project_id: str = (
        await create(registry, operator, title=title, selection_fiscal_year=fy)
    ).json()["id"]
    return project_id


async def read(
    registry: httpx.AsyncClient, operator: dict[str, str], project_id: str, **params: str
) -> dict[str, Any]:
    response = await registry.get(f"/v1/projects/{project_id}", params=params, headers=operator)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def term_call(
    registry: httpx.AsyncClient, caller: dict[str, str], project_id: str, route: str, **body: Any
) -> httpx.Response:
    return await registry.post(f"/v1/projects/{project_id}/{route}", json=body, headers=caller)


async def expiries(session: AsyncSession) -> int:
    query = (
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "project.term_expired")
    )
    return int(await session.scalar(query) or 0)


async def test_the_sweep_ends_what_is_past_its_term_once(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    service_caller: dict[str, str],
    session: AsyncSession,
) -> None:
    h30 = await project(registry, operator, "H30", "平成30年度の事業")  # term 2021-03-31
    r1 = await project(registry, operator, "R1", "令和元年度の事業")  # term 2022-03-31
    continued = await project(registry, operator, "R1", "継続した事業")
    decided = await project(registry, operator, "H30", "決定で終了した事業")
    withdrawn = await project(registry, operator, "H30", "取り下げた事業")
    assert (
        await term_call(registry, service_caller, continued, "term-extensions", decision_id="c1")
    ).is_success
    assert (
        await term_call(
            registry, service_caller, decided, "term-end", decision_id="e1", reason="辞退"
        )
    ).is_success
    etag = (await registry.get(f"/v1/projects/{withdrawn}", headers=operator)).headers["ETag"]
    assert (
        await registry.patch(
            f"/v1/projects/{withdrawn}",
            json={"status": "withdrawn"},
            headers={**operator, "If-Match": etag},
        )
    ).is_success

    on_last_day = await end_expired_terms(session, today=date(2022, 3, 31))
    day_after = await end_expired_terms(session, today=date(2022, 4, 1))
    again = await end_expired_terms(session, today=date(2022, 4, 1))

    assert (on_last_day, day_after, again) == (1, 1, 0)
    ended = await read(registry, operator, h30)
    assert (ended["status"], ended["ended_on"], ended["end_reason"], ended["version"]) == (
        "ended",
        "2021-03-31",
        "支援期間満了",
        2,
    )
    assert (await read(registry, operator, r1))["ended_on"] == "2022-03-31"
    assert (await read(registry, operator, continued))["status"] == "extended"
    assert (await read(registry, operator, decided))["end_reason"] == "辞退"
    assert (await read(registry, operator, withdrawn))["status"] == "withdrawn"
    assert await expiries(session) == 2
    decisions = await session.scalars(
        select(TermChange.decision_id)
        .where(TermChange.kind == "expiry")
        .order_by(TermChange.decision_id)
    )
    assert sorted(decisions) == sorted([f"expiry:{h30}:2021-03-31", f"expiry:{r1}:2022-03-31"])
    audit = await registry.get("/v1/audit", params={"subject": f"project:{h30}"}, headers=operator)
    expired = [e for e in audit.json()["items"] if e["action"] == "project.term_expired"]
    assert [(e["actor"], e["before"]["status"], e["after"]["status"]) for e in expired] == [
        ("system:registry-term-sweep", "supported", "ended")
    ]


async def test_the_job_sweeps_the_tokyo_day_of_its_slot_and_never_a_future_day(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    session: AsyncSession,
    make_settings: Callable[..., Settings],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    r1 = await project(registry, operator, "R1", "令和元年度の事業")  # term 2022-03-31
    running = await project(registry, operator, str(today_tokyo().year - 1), "今年度も支援中の事業")
    ctx = worker_context("registry", make_settings("registry"), sessionmaker)

    before_midnight = await sweep_project_terms(ctx, {"as_of": "2022-03-31T14:00:00+00:00"})
    after_midnight = await sweep_project_terms(ctx, {"as_of": "2022-03-31T15:00:00+00:00"})
    future = await sweep_project_terms(ctx, {"as_of": "2099-04-01T00:00:00+00:00"})

    assert before_midnight == {"day": "2022-03-31", "ended": 0}
    assert after_midnight == {"day": "2022-04-01", "ended": 1}
    assert future == {"day": today_tokyo().isoformat(), "ended": 0}
    assert (await read(registry, operator, r1))["status"] == "ended"
    assert (await read(registry, operator, running))["status"] == "supported"
    assert [p.every for p in PERIODIC if p.function == "sweep_project_terms"] == [
        timedelta(hours=1)
    ]
    assert sweep_project_terms in worker_spec(make_settings("registry")).functions


async def test_a_review_end_after_the_sweep_records_its_decision_once(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    service_caller: dict[str, str],
    session: AsyncSession,
) -> None:
    single = await project(registry, operator, "R1", "単独の終了")
    batched = await project(registry, operator, "R1", "一括の終了")
    await end_expired_terms(session, today=date(2022, 4, 1))
    reason = "継続申請なし（支援期間満了）"

    one = await term_call(
        registry, service_caller, single, "term-end", decision_id="end-single", reason=reason
    )
    items = [
        {
            "project_id": batched,
            "decision_id": f"term-end:cycle:{batched}",
            "reason": reason,
            "effective_on": "2022-03-31",
        },
        {"project_id": batched, "decision_id": "a-second-decision", "reason": "x"},
    ]
    batch = await registry.post(
        "/v1/projects/term-ends", json={"items": items}, headers=service_caller
    )
    another = await term_call(
        registry, service_caller, single, "term-end", decision_id="end-2", reason="x"
    )

    assert one.status_code == 200, one.text
    assert (one.json()["status"], one.json()["ended_on"], one.json()["reason"]) == (
        "ended",
        "2022-03-31",
        reason,
    )
    outcomes = [(i["outcome"], (i["problem"] or {}).get("status")) for i in batch.json()["items"]]
    assert outcomes == [("applied", None), ("refused", 409)]
    assert batch.json()["items"][1]["problem"]["allowed_events"] == []
    assert another.status_code == 409
    for project_id in (single, batched):
        after = await read(registry, operator, project_id)
        assert (after["status"], after["ended_on"], after["end_reason"], after["version"]) == (
            "ended",
            "2022-03-31",
            reason,
            3,
        )


async def test_an_approval_that_arrives_after_the_sweep_continues_the_term(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    service_caller: dict[str, str],
    session: AsyncSession,
) -> None:
    late = await project(registry, operator, "R1", "承認が遅れて届いた事業")
    await end_expired_terms(session, today=date(2022, 4, 2))

    extended = await term_call(
        registry,
        service_caller,
        late,
        "term-extensions",
        decision_id="late",
        reason="継続承認",
        decided_on="2022-03-25",
    )
    replay = await term_call(registry, service_caller, late, "term-extensions", decision_id="late")

    assert extended.status_code == 200, extended.text
    assert (extended.json()["previous_term_end"], extended.json()["new_term_end"]) == (
        "2022-03-31",
        "2024-03-31",
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    after = await read(registry, operator, late, as_of="2022-04-01")
    assert (after["status"], after["ended_on"], after["end_reason"], after["extended_on"]) == (
        "extended",
        None,
        None,
        "2022-03-25",
    )
    assert after["status_as_of"] == "extended"  # no gap between the two terms
    assert await end_expired_terms(session, today=date(2022, 4, 3)) == 0


async def test_a_decided_end_is_final_and_a_decision_day_is_not_in_the_future(
    registry: httpx.AsyncClient, operator: dict[str, str], service_caller: dict[str, str]
) -> None:
    rejected = await project(registry, operator, "R1", "不承認の事業")
    tomorrow = (today_tokyo() + timedelta(days=1)).isoformat()
    assert (
        await term_call(
            registry, service_caller, rejected, "term-end", decision_id="no", reason="継続不承認"
        )
    ).status_code == 200

    extend = await term_call(
        registry, service_caller, rejected, "term-extensions", decision_id="yes"
    )
    future = await term_call(
        registry,
        service_caller,
        rejected,
        "term-end",
        decision_id="f",
        reason="x",
        decided_on=tomorrow,
    )

    assert extend.status_code == 409
    assert (extend.json()["state"], extend.json()["allowed_events"]) == ("ended", [])
    assert future.status_code == 422
    assert (future.json()["errors"][0]["field"], future.json()["errors"][0]["rule"]) == (
        "body.decided_on",
        "not_future",
    )


async def _projects_in_every_state(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    service_caller: dict[str, str],
    session: AsyncSession,
) -> list[str]:
    ids = [await project(registry, operator, fy, f"{fy}の事業") for fy in ("H30", "R1", "R2", "R3")]
    _, r1, r2, r3 = ids
    await term_call(
        registry, service_caller, r1, "term-extensions", decision_id="x1", decided_on="2021-12-17"
    )
    await term_call(
        registry,
        service_caller,
        r2,
        "term-end",
        decision_id="e2",
        reason="辞退",
        effective_on="2021-09-30",
    )
    etag = (await registry.get(f"/v1/projects/{r3}", headers=operator)).headers["ETag"]
    await registry.patch(
        f"/v1/projects/{r3}", json={"status": "withdrawn"}, headers={**operator, "If-Match": etag}
    )
    future = today_tokyo().year + 1 if today_tokyo().month >= 4 else today_tokyo().year
    ids.append(await project(registry, operator, str(future), "これから始まる事業"))
    await end_expired_terms(session, today=date(2021, 4, 1))  # h30 expires, the others run on
    return ids


async def test_the_status_filter_and_status_as_of_agree_on_every_day(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    service_caller: dict[str, str],
    session: AsyncSession,
) -> None:
    ids = await _projects_in_every_state(registry, operator, service_caller, session)
    days = [
        "2018-03-31",
        "2018-04-01",
        "2020-09-30",
        "2021-03-31",
        "2021-04-01",
        "2021-09-30",
        "2021-10-01",
        "2021-12-16",
        "2021-12-17",
        "2022-03-31",
        "2022-04-01",
        "2024-03-31",
        "2024-04-01",
        today_tokyo().isoformat(),
        "2099-01-01",
    ]
    seen: set[str] = set()
    for day in days:
        listed = await registry.get(
            "/v1/projects", params={"as_of": day, "limit": 200}, headers=operator
        )
        on_day = {i["id"]: i["status_as_of"] for i in listed.json()["items"]}
        assert set(on_day) == set(ids)
        for project_id in ids:  # the single read says the same
            assert (await read(registry, operator, project_id, as_of=day))[
                "status_as_of"
            ] == on_day[project_id]
        for status in STATUSES:
            filtered = await registry.get(
                "/v1/projects",
                params={"as_of": day, "status": status, "limit": 200},
                headers=operator,
            )
            assert filtered.status_code == 200, filtered.text
            expected = {i for i, s in on_day.items() if s == status}
            assert {i["id"] for i in filtered.json()["items"]} == expected, (day, status)
        seen |= set(on_day.values())
    assert seen == set(STATUSES)
    r1 = await read(registry, operator, ids[1], as_of="2021-12-16")
    assert (r1["status_as_of"], r1["extended_on"]) == ("supported", "2021-12-17")


async def test_exports_take_the_filter_and_status_on_their_day(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    service_caller: dict[str, str],
    session: AsyncSession,
    token: Callable[..., str],
) -> None:
    ids = await _projects_in_every_state(registry, operator, service_caller, session)
    partner = bearer(token(Role.partner))

    ended = await registry.get(
        "/v1/projects/export.csv",
        params={"status": "ended", "as_of": "2021-10-01"},
        headers=partner,
    )
    supported = await registry.get(
        "/v1/projects/export.csv",
        params={"status": "supported", "as_of": "2021-08-24"},
        headers=partner,
    )

    rows = [line.split(",") for line in ended.content.decode("utf-8-sig").splitlines()[1:]]
    assert sorted((r[0], r[7]) for r in rows) == sorted(
        [(ids[0], "支援終了"), (ids[2], "支援終了")]
    )
    rows = [line.split(",") for line in supported.content.decode("utf-8-sig").splitlines()[1:]]
    assert sorted(r[0] for r in rows) == sorted(ids[1:3])  # R1 not yet extended, R2 not yet ended
