"""Decisions: one per application even with two operators at once; rejection sends only the
letter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.auth import Role
from libs.common.fiscal_year import TOKYO
from libs.common.settings import Settings
from services.review.audit.models import AuditEvent
from services.review.continuation.models import (
    ContinuationApplication,
    ContinuationDecision,
    CycleProject,
)
from services.review.continuation.tasks import apply_term_ends, continuation_sweep
from tests.fixtures.apps import FrozenClock, build_app, client_of
from tests.review.committed_support import (
    committed_application,
    committed_cycle,
    remove_cycle,
)
from tests.review.continuation_support import (
    CONTINUED,
    Auth,
    Steps,
    create_project,
    ensure_programme,
    notices,
    ok,
    outbox_rows,
)


@pytest.fixture
async def committed_review(
    make_settings: Callable[..., Settings], committed: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The review app on sessions that really commit, each request on its own connection."""
    app = build_app(
        "review", make_settings("review"), committed, clock=FrozenClock("2089-12-17T10:00")
    )
    async with client_of(app, "review") as client:
        yield client


async def test_two_operators_deciding_at_once_make_exactly_one_decision(
    committed: async_sessionmaker[AsyncSession], committed_review: httpx.AsyncClient, auth: Auth
) -> None:
    cycle_id, projects = await committed_cycle(
        committed, fiscal_year=2089, projects=1, deadline=datetime(2089, 11, 1, 17, tzinfo=TOKYO)
    )
    try:
        application_id = await committed_application(
            committed, cycle_id, projects[0], state="under_review"
        )
        url = f"/v1/continuation-applications/{application_id}"
        etag = (await committed_review.get(url, headers=auth(Role.operator))).headers["ETag"]

        async def decide(subject: str, outcome: str) -> httpx.Response:
            return await committed_review.post(
                f"{url}/decision",
                json={"outcome": outcome, "reason": f"{subject} の判断"},
                headers={**auth(Role.operator, subject=subject), "If-Match": etag},
            )

        first, second = await asyncio.gather(
            decide("office-1", "approved"), decide("office-2", "rejected")
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses[0] == 201 and statuses[1] in (409, 412), (first.text, second.text)
        async with committed() as session:
            decisions = (
                await session.scalars(
                    select(ContinuationDecision).where(
                        ContinuationDecision.application_id == application_id
                    )
                )
            ).all()
            application = await session.get(ContinuationApplication, application_id)
        assert len(decisions) == 1
        winner = first if first.status_code == 201 else second
        assert winner.json()["id"] == str(decisions[0].id)
        assert application is not None
        assert application.state == decisions[0].outcome
    finally:
        await remove_cycle(committed, cycle_id)


async def test_a_rejected_project_gets_its_letter_and_ends_at_term_end(
    session: AsyncSession,
    registry: httpx.AsyncClient,
    review: httpx.AsyncClient,
    auth: Auth,
    clock: FrozenClock,
    review_job_ctx: dict[str, Any],
) -> None:
    await ensure_programme(session)
    gifu = await create_project(registry, auth, CONTINUED[2], selection_fiscal_year="R1")
    steps = Steps(review, auth)
    cycle = await steps.open_cycle()
    clock.set("2021-10-01T10:00")
    application_id, etag = await steps.draft(cycle["id"], gifu)
    ok(await steps.submit(application_id, etag, gifu.lg_code))

    too_early = await steps.decide(application_id, "rejected")  # not under review yet
    assert (too_early.status_code, too_early.json()["rule"]) == (409, "state_transition")

    await continuation_sweep(review_job_ctx, {"as_of": "2021-11-02T00:00+09:00"})
    clock.set("2021-12-17T10:00")
    decision = ok(await steps.decide(application_id, "rejected"), 201)
    assert decision["new_term_end"] is None
    assert await outbox_rows(session, "apply_term_extension") == []
    [letter] = await notices(session, "continuation_decision")
    assert letter["dedupe_key"] == f"continuation-decision:{decision['id']}"
    assert (letter["context"]["decision"], letter["context"]["term_end"]) == (
        "rejected",
        "2022-03-31",
    )
    assert letter["context"]["local_government"] == "岐阜県岐阜市"
    assert letter["recipients"] == [
        {
            "name": "岐阜市 未来技術担当",
            "email": gifu.contact_email,
            "contact_id": letter["recipients"][0]["contact_id"],
        }
    ]
    again = await steps.decide(application_id, "approved")
    assert again.status_code == 409

    await _ends_at_term_end(session, review_job_ctx)


async def _ends_at_term_end(session: AsyncSession, job_ctx: dict[str, Any]) -> None:
    report = await continuation_sweep(job_ctx, {"as_of": "2022-04-01T00:00+09:00"})
    assert report["counts"]["term_ended"] == 1
    [counts] = [
        await apply_term_ends(job_ctx, p) for p in await outbox_rows(session, "apply_term_ends")
    ]
    assert counts == {"applied": 1, "refused": 0}
    [entry] = (
        await session.scalars(select(CycleProject).where(CycleProject.state == "ended"))
    ).all()
    await session.refresh(entry)
    result = entry.registry_result or {}
    assert (result["status"], result["ended_on"], result["reason"]) == (
        "ended",
        "2022-03-31",
        "継続承認なし（支援期間満了）",
    )
    # The answer's audit event is written with it: the registry's term before and after.
    [event] = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "continuation_project.term_end_applied")
        )
    ).all()
    assert (event.actor, event.subject_type, event.subject_id, event.before, event.after) == (
        "system:review-worker",
        "continuation_project",
        f"{entry.cycle_id}:{entry.project_id}",
        {"registry_status": "supported", "term_end": result["previous_term_end"]},
        {"registry_status": "ended", "ended_on": "2022-03-31"},
    )
    assert await apply_term_ends(job_ctx, (await outbox_rows(session, "apply_term_ends"))[0]) == {
        "skipped": "already applied"
    }
