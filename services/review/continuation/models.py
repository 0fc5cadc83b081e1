"""継続審査 — cycles, their eligible projects, applications, assignments with assessments,
decisions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from libs.common.db import state_type
from services.review.continuation.states import (
    ContinuationApplicationState,
    ContinuationAssessmentState,
    EligibleProjectState,
)
from services.review.models import Base


class ContinuationCycle(Base):
    """One review round for the cohort whose support term ends in ``fiscal_year``."""

    __tablename__ = "continuation_cycles"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    fiscal_year: Mapped[int] = mapped_column(unique=True)
    term_end: Mapped[date] = mapped_column(Date)
    # Each date as the operator asked for it, and as it applies (moved off closed days).
    opens_at_requested: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deadline_requested: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    review_due_requested: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    review_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision_due_requested: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CycleProject(Base):
    """An eligible project of a cycle, with the registry's facts as they were when it opened."""

    __tablename__ = "continuation_cycle_projects"
    __table_args__ = (Index("ix_continuation_cycle_projects_state", "state", "term_end"),)

    cycle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("continuation_cycles.id"), primary_key=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    lead_lg_code: Mapped[str] = mapped_column(String(6), index=True)
    term_end: Mapped[date] = mapped_column(Date)
    state: Mapped[EligibleProjectState] = mapped_column(state_type(EligibleProjectState))
    # title, proposers (lead first), term_end, council organisations, contacts
    # (see cycles/service.py).
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The registry's answer once the term end was applied there.
    registry_result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class GracePeriod(Base):
    """猶予 — an operator lets one project submit after the deadline, until ``until``."""

    __tablename__ = "continuation_grace_periods"
    __table_args__ = (
        ForeignKeyConstraint(
            ["cycle_id", "project_id"],
            ["continuation_cycle_projects.cycle_id", "continuation_cycle_projects.project_id"],
            name="fk_continuation_grace_periods_project",
        ),
        Index("ix_continuation_grace_periods_project", "cycle_id", "project_id", "until"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    cycle_id: Mapped[uuid.UUID]
    project_id: Mapped[uuid.UUID]
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ContinuationApplication(Base):
    """継続申請書: one per project per cycle, drafted and submitted by the lead proposer."""

    __tablename__ = "continuation_applications"
    __table_args__ = (
        ForeignKeyConstraint(
            ["cycle_id", "project_id"],
            ["continuation_cycle_projects.cycle_id", "continuation_cycle_projects.project_id"],
            name="fk_continuation_applications_project",
        ),
        UniqueConstraint("cycle_id", "project_id"),
        Index("ix_continuation_applications_state", "state"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    cycle_id: Mapped[uuid.UUID]
    project_id: Mapped[uuid.UUID]
    state: Mapped[ContinuationApplicationState] = mapped_column(
        state_type(ContinuationApplicationState)
    )
    future_vision: Mapped[str] = mapped_column(Text)  # 目指す将来像
    achievements: Mapped[str] = mapped_column(Text)  # 事業成果
    plan: Mapped[str] = mapped_column(Text)  # 今後の事業計画
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the submission came after the deadline, under a grace period ending then.
    submitted_under_grace_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ContinuationAssignment(Base):
    """A reviewer assigned to an application, and that reviewer's assessment of it."""

    __tablename__ = "continuation_assignments"
    __table_args__ = (UniqueConstraint("application_id", "reviewer_subject"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("continuation_applications.id", name="fk_continuation_assignments_application"),
        index=True,
    )
    reviewer_subject: Mapped[str] = mapped_column(ForeignKey("reviewers.subject"), index=True)
    assigned_by: Mapped[str] = mapped_column(String(200))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[ContinuationAssessmentState] = mapped_column(
        state_type(ContinuationAssessmentState)
    )
    # {criterion: {"score": 1–5, "comment": "…"}} for future_vision, achievements, plan.
    scores: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    assessment_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assessment_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # 割当の撤回: who withdrew the reviewer, when and why (the scores then are in the audit trail).
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ContinuationDecision(Base):
    """継続可否の決定: at most one per application (the unique key settles concurrent deciders)."""

    __tablename__ = "continuation_decisions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("continuation_applications.id", name="fk_continuation_decisions_application"),
        unique=True,
    )
    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("continuation_cycles.id"))
    project_id: Mapped[uuid.UUID]
    outcome: Mapped[str] = mapped_column(String(10))  # approved | rejected
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The registry's answer once an approval's term extension was applied there.
    registry_result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
