"""未来技術社会実装事業 projects, their proposers, support terms and term changes."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from libs.common.db import state_type
from services.registry.local_governments.models import LocalGovernment
from services.registry.models import Base
from services.registry.projects.states import ProjectStatus


class Project(Base):
    __tablename__ = "projects"
    # Lists and their cursors read projects in this order (migration registry_0003).
    __table_args__ = (Index("ix_projects_list_order", "selection_fiscal_year", "title", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    selection_fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date, index=True)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    # 延長の開始日: the first day of extended support — the first continuation's decision day,
    # at the latest the day after the term it extended; ``status_as_of`` answers ``extended``
    # from it (migration registry_0008).
    extended_on: Mapped[date | None] = mapped_column(Date)
    # The machine of projects/states.py; ``ended_on`` is the last supported day.
    status: Mapped[ProjectStatus] = mapped_column(state_type(ProjectStatus, 20), index=True)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(Text)
    technologies: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(60)), default=list)
    future_vision: Mapped[str] = mapped_column(Text, default="")  # 目指す将来像
    regional_issues: Mapped[str] = mapped_column(Text, default="")  # 地域課題
    summary: Mapped[str] = mapped_column(Text, default="")
    search_key: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    proposers: Mapped[list[ProjectProposer]] = relationship(
        lazy="raise", order_by="ProjectProposer.position", cascade="all, delete-orphan"
    )
    initiatives: Mapped[list[ProjectInitiative]] = relationship(
        lazy="raise", order_by="ProjectInitiative.position", cascade="all, delete-orphan"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ProjectProposer(Base):
    """提案者 — a proposing local government; exactly one is the lead."""

    __tablename__ = "project_proposers"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    lg_code: Mapped[str] = mapped_column(
        ForeignKey("local_governments.code"), primary_key=True, index=True
    )
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    # Names and prefectures of proposers appear in every project response and search key.
    local_government: Mapped[LocalGovernment] = relationship(lazy="raise")


class ProjectInitiative(Base):
    """取組 — one initiative of a project (e.g. ドローン物流事業) with its own description."""

    __tablename__ = "project_initiatives"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class ActivityReport(Base):
    """年度の主な取組 — a project's yearly activity report."""

    __tablename__ = "activity_reports"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class TermChange(Base):
    """A term extension or end ordered by the review service, idempotent by its decision id, or
    an expiry the registry's term sweep recorded (``expiry:<project>:<last day>``)."""

    __tablename__ = "term_changes"

    decision_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # extension | end | expiry
    previous_term_end: Mapped[date] = mapped_column(Date)
    new_term_end: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    # The day of the decision when the caller states it (the registry records it otherwise only
    # by ``created_at``): migration registry_0008.
    decided_on: Mapped[date | None] = mapped_column(Date)
    result: Mapped[dict[str, object]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
