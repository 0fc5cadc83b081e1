"""合同審査 — rounds of the smart-city joint review, their applications, scores and selections.

Rule values (caps, quotas, maximum years, conditions) are never stored here: they are read from the
registry's grant-scheme records when an application arrives. What is kept is what was decided with
them — the applicant kind and the scheme's quota group at submission — so quotas count in SQL.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from libs.common.db import state_type
from services.review.joint_review.states import JointRoundState
from services.review.models import Base


class JointReviewRound(Base):
    """One fiscal year's call (公募) and review across the participating programmes."""

    __tablename__ = "joint_review_rounds"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    # open: taking applications, scores and selections; closed: selections final. Typed with the
    # machine's enum but stored as the VARCHAR(20) it always was (no native type, no CHECK): no
    # migration. It never holds ``published``: that state is ``published_at`` (see ``state``).
    status: Mapped[JointRoundState] = mapped_column(state_type(JointRoundState))
    # A published results table loaded by `jisso review import-joint-review-results`.
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(300), default="")
    # Dates as requested and as moved to the next open day (閉庁日); null for imported rounds.
    call_opens_on: Mapped[date | None] = mapped_column(Date)
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deadline_effective_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_due_on: Mapped[date | None] = mapped_column(Date)
    review_due_effective_on: Mapped[date | None] = mapped_column(Date)
    announcement_on: Mapped[date | None] = mapped_column(Date)
    announcement_effective_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set once results are public: at the announcement for a closed round, at import otherwise.
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(default=1)

    programmes: Mapped[list[JointRoundProgramme]] = relationship(
        lazy="raise", order_by="JointRoundProgramme.position", cascade="all, delete-orphan"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def state(self) -> JointRoundState:
        """The round machine's state (joint_review/states.py): ``published`` once results went
        out, else the stored ``status``."""
        if self.published_at is not None:
            return JointRoundState.published
        return JointRoundState(self.status)


class JointRoundProgramme(Base):
    """A participating programme with its quota and budget in this round (its legend — mark, the
    name of the round's fiscal year, ministry, bureau, the note on earlier names — as read from the
    registry when the round was created or imported, so old results keep their legend)."""

    __tablename__ = "joint_round_programmes"

    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("joint_review_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    programme_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    mark: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(200))
    ministry: Mapped[str] = mapped_column(String(50), default="")  # 府省: 内閣府, 総務省 …
    bureau: Mapped[str] = mapped_column(String(100), default="")  # 局: 地方創生推進事務局 …
    # The legend's note on earlier names (令和2年度までの施策名は「…」); "" when none.
    name_note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer)
    quota: Mapped[int | None] = mapped_column(Integer)
    budget_yen: Mapped[int | None] = mapped_column(BigInteger)


class JointApplication(Base):
    """A region's application (申請) to one or more programmes of a round."""

    __tablename__ = "joint_applications"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("joint_review_rounds.id", ondelete="CASCADE"), index=True
    )
    fiscal_year: Mapped[int] = mapped_column(Integer)  # the round's, for quota counts
    title: Mapped[str] = mapped_column(String(300))
    region_label: Mapped[str] = mapped_column(String(300))
    # Normalised keys the region is known by in published tables (label, prefecture + lead name).
    region_keys: Mapped[list[str]] = mapped_column(ARRAY(String(400)))
    lead_lg_code: Mapped[str] = mapped_column(String(6))
    lg_codes: Mapped[list[str]] = mapped_column(ARRAY(String(6)))
    # [{"lg_code", "name", "prefecture", "is_lead"}] as the registry named them at submission.
    members: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    programme_ids: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    scheme_id: Mapped[str] = mapped_column(String(40))
    scheme_name: Mapped[str] = mapped_column(String(100))
    # The scheme's quota group at submission; null for schemes outside the quota (Society5.0).
    quota_group: Mapped[str | None] = mapped_column(String(40))
    applicant_kind: Mapped[str] = mapped_column(String(30))
    wide_area: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_years: Mapped[int] = mapped_column(Integer)
    # [{"fiscal_year": 2022, "amount_yen": 200000000}] — requested national funding (国費).
    funding: Mapped[list[dict[str, int]]] = mapped_column(JSONB)
    # The amount requested for the round's fiscal year: what a programme's budget pays.
    round_year_amount_yen: Mapped[int] = mapped_column(BigInteger)
    conditions: Mapped[list[bool]] = mapped_column(ARRAY(Boolean))
    summary: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    submitted_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(default=1)

    __table_args__ = (
        Index("ix_joint_applications_applicant", "lead_lg_code", "fiscal_year", "quota_group"),
        Index("ix_joint_applications_programme_ids", "programme_ids", postgresql_using="gin"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class JointAssessment(Base):
    """A reviewer's scores (1–5) and comments on one application, for the reviewer's programme."""

    __tablename__ = "joint_assessments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("joint_applications.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[str] = mapped_column(String(40))
    reviewer_subject: Mapped[str] = mapped_column(ForeignKey("reviewers.subject"))
    innovation_score: Mapped[int] = mapped_column(SmallInteger)
    innovation_comment: Mapped[str] = mapped_column(Text, default="")
    feasibility_score: Mapped[int] = mapped_column(SmallInteger)
    feasibility_comment: Mapped[str] = mapped_column(Text, default="")
    spread_score: Mapped[int] = mapped_column(SmallInteger)
    spread_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(default=1)

    __table_args__ = (UniqueConstraint("application_id", "reviewer_subject"),)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class JointSelection(Base):
    """A programme's selection (選定) of an application; one per programme and application."""

    __tablename__ = "joint_selections"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("joint_review_rounds.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("joint_applications.id", ondelete="CASCADE")
    )
    programme_id: Mapped[str] = mapped_column(String(40))
    mark: Mapped[str] = mapped_column(String(2))
    amount_yen: Mapped[int] = mapped_column(BigInteger)
    selected_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The registry project this selection became (☆ only), once the job has run.
    registry_project_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))

    __table_args__ = (UniqueConstraint("application_id", "programme_id"),)


class JointImportedRegion(Base):
    """One row of an imported results table, as published (no codes: the label is free text)."""

    __tablename__ = "joint_imported_regions"

    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("joint_review_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    item_no: Mapped[int] = mapped_column(Integer, primary_key=True)  # 項番
    region_label: Mapped[str] = mapped_column(String(300))
    region_key: Mapped[str] = mapped_column(String(400), index=True)
    marks: Mapped[str] = mapped_column(String(20))  # 選定事業
    earlier_marks: Mapped[str] = mapped_column(String(20))  # 過年度選定
