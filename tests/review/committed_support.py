"""Rows committed for real (for tests of concurrency across connections), and their cleanup.

Each uses its own far-future fiscal year, so the rows never meet those of rolled-back tests.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Text, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.fiscal_year import TOKYO, fiscal_year_end
from services.review.audit.models import AuditEvent
from services.review.continuation.models import (
    ContinuationApplication,
    ContinuationAssignment,
    ContinuationCycle,
    ContinuationDecision,
    CycleProject,
    GracePeriod,
)
from services.review.models import applied_effects, outbox

Sessions = async_sessionmaker[AsyncSession]


def snapshot(number: int, lg_code: str) -> dict[str, object]:
    return {
        "title": f"（試験用）事業{number}",
        "programme_id": "cao-future-tech",
        "selection_fiscal_year": 2087,
        "term_end": "2091-03-31",
        "proposers": [
            {"lg_code": lg_code, "name": "秩父市", "prefecture": "埼玉県", "is_lead": True}
        ],
        "council": None,
        "contacts": [
            {"contact_id": str(uuid.uuid4()), "name": "担当者", "email": f"c{number}@example.jp"}
        ],
        "captured_at": "2089-04-01T00:00:00+09:00",
    }


async def committed_cycle(
    sessions: Sessions, *, fiscal_year: int, projects: int, deadline: datetime
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A cycle of ``projects`` eligible projects, committed."""
    now = datetime(fiscal_year, 4, 1, tzinfo=TOKYO)
    cycle = ContinuationCycle(
        id=uuid.uuid4(),
        fiscal_year=fiscal_year,
        term_end=fiscal_year_end(fiscal_year),
        opens_at_requested=deadline - timedelta(days=60),
        opens_at=deadline - timedelta(days=60),
        deadline_requested=deadline,
        deadline=deadline,
        review_due_requested=deadline + timedelta(days=30),
        review_due=deadline + timedelta(days=30),
        decision_due_requested=deadline + timedelta(days=45),
        decision_due=deadline + timedelta(days=45),
        created_by="operator:test",
        created_at=now,
    )
    ids = [uuid.uuid4() for _ in range(projects)]
    async with sessions() as session, session.begin():
        session.add(cycle)
        await session.flush()
        session.add_all(
            CycleProject(
                cycle_id=cycle.id,
                project_id=project_id,
                lead_lg_code="112071",
                term_end=fiscal_year_end(fiscal_year),
                state="eligible",
                snapshot=snapshot(n, "112071"),
                updated_at=now,
            )
            for n, project_id in enumerate(ids)
        )
    return cycle.id, ids


async def committed_application(
    sessions: Sessions, cycle_id: uuid.UUID, project_id: uuid.UUID, *, state: str
) -> uuid.UUID:
    """An application in ``state``, its project ``applied``."""
    now = datetime.now(TOKYO)
    application = ContinuationApplication(
        id=uuid.uuid4(),
        cycle_id=cycle_id,
        project_id=project_id,
        state=state,
        future_vision="将来像",
        achievements="成果",
        plan="計画",
        attachments=[],
        created_by="municipality:test",
        created_at=now,
        updated_at=now,
        submitted_at=now,
    )
    async with sessions() as session, session.begin():
        entry = await session.get(CycleProject, (cycle_id, project_id))
        assert entry is not None
        entry.state = "applied"
        session.add(application)
    return application.id


async def remove_cycle(sessions: Sessions, cycle_id: uuid.UUID) -> None:
    """Delete everything the cycle caused: messages, effect keys, audit, its rows."""
    async with sessions() as session, session.begin():
        applications = select(ContinuationApplication.id).where(
            ContinuationApplication.cycle_id == cycle_id
        )
        application_ids = [str(i) for i in (await session.scalars(applications)).all()]
        decision_ids = [
            str(i)
            for i in (
                await session.scalars(
                    select(ContinuationDecision.id).where(ContinuationDecision.cycle_id == cycle_id)
                )
            ).all()
        ]
        related = [cycle_id, *application_ids, *decision_ids]
        await session.execute(
            delete(outbox).where(
                or_(*(outbox.c.payload.cast(Text).like(f"%{i}%") for i in related))
            )
        )
        await session.execute(
            delete(applied_effects).where(
                or_(*(applied_effects.c.key.like(f"%{i}%") for i in related))
            )
        )
        await session.execute(
            delete(AuditEvent).where(or_(*(AuditEvent.subject_id.like(f"%{i}%") for i in related)))
        )
        await session.execute(
            delete(ContinuationDecision).where(ContinuationDecision.cycle_id == cycle_id)
        )
        await session.execute(
            delete(ContinuationAssignment).where(
                ContinuationAssignment.application_id.in_(applications)
            )
        )
        await session.execute(
            delete(ContinuationApplication).where(ContinuationApplication.cycle_id == cycle_id)
        )
        await session.execute(delete(GracePeriod).where(GracePeriod.cycle_id == cycle_id))
        await session.execute(delete(CycleProject).where(CycleProject.cycle_id == cycle_id))
        await session.execute(delete(ContinuationCycle).where(ContinuationCycle.id == cycle_id))
