"""the continuation review (継続審査): cycles, applications, reviewers, assessments, decisions, audit

Revision ID: review_0002
Revises: review_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from libs.common.migrations import create_idempotency_table

revision: str = "review_0002"
down_revision: str | None = "review_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_idempotency_table("review")
    op.create_table(
        "reviewers",
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("organisation_key", sa.String(400), nullable=False),
        sa.Column("lg_code", sa.String(6)),
        sa.Column("programme", sa.String(40)),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name="pk_reviewers"),
        schema="review",
    )
    op.create_index(
        "ix_reviewers_organisation_key", "reviewers", ["organisation_key"], schema="review"
    )
    op.create_index("ix_reviewers_programme", "reviewers", ["programme"], schema="review")
    _create_audit_events()
    _create_cycles()
    _create_applications()
    _create_reviews()


def _create_audit_events() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("subject_type", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.String(100), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
        schema="review",
    )
    op.create_index(
        "ix_audit_events_subject",
        "audit_events",
        ["subject_type", "subject_id", "id"],
        schema="review",
    )


def _create_cycles() -> None:
    dates = [
        sa.Column(f"{name}{suffix}", sa.DateTime(timezone=True), nullable=False)
        for name in ("opens_at", "deadline", "review_due", "decision_due")
        for suffix in ("_requested", "")
    ]
    op.create_table(
        "continuation_cycles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        *dates,
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_continuation_cycles"),
        sa.UniqueConstraint("fiscal_year", name="uq_continuation_cycles_fiscal_year"),
        schema="review",
    )
    op.create_table(
        "continuation_cycle_projects",
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("lead_lg_code", sa.String(6), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("registry_result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["review.continuation_cycles.id"],
            name="fk_continuation_cycle_projects_cycle_id_continuation_cycles",
        ),
        sa.PrimaryKeyConstraint("cycle_id", "project_id", name="pk_continuation_cycle_projects"),
        schema="review",
    )
    op.create_index(
        "ix_continuation_cycle_projects_lead_lg_code",
        "continuation_cycle_projects",
        ["lead_lg_code"],
        schema="review",
    )
    op.create_index(
        "ix_continuation_cycle_projects_state",
        "continuation_cycle_projects",
        ["state", "term_end"],
        schema="review",
    )
    op.create_table(
        "continuation_grace_periods",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        _project_fk("continuation_grace_periods"),
        sa.PrimaryKeyConstraint("id", name="pk_continuation_grace_periods"),
        schema="review",
    )
    op.create_index(
        "ix_continuation_grace_periods_project",
        "continuation_grace_periods",
        ["cycle_id", "project_id", "until"],
        schema="review",
    )


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["cycle_id", "project_id"],
        [
            "review.continuation_cycle_projects.cycle_id",
            "review.continuation_cycle_projects.project_id",
        ],
        name=f"fk_{table}_project",
    )


def _create_applications() -> None:
    op.create_table(
        "continuation_applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("future_vision", sa.Text(), nullable=False),
        sa.Column("achievements", sa.Text(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("attachments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_under_grace_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _project_fk("continuation_applications"),
        sa.PrimaryKeyConstraint("id", name="pk_continuation_applications"),
        sa.UniqueConstraint(
            "cycle_id", "project_id", name="uq_continuation_applications_cycle_id_project_id"
        ),
        schema="review",
    )
    op.create_index(
        "ix_continuation_applications_state",
        "continuation_applications",
        ["state"],
        schema="review",
    )


def _create_reviews() -> None:
    op.create_table(
        "continuation_assignments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("reviewer_subject", sa.String(200), nullable=False),
        sa.Column("assigned_by", sa.String(200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("scores", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("assessment_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessment_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["review.continuation_applications.id"],
            name="fk_continuation_assignments_application",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_subject"],
            ["review.reviewers.subject"],
            name="fk_continuation_assignments_reviewer_subject_reviewers",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_continuation_assignments"),
        sa.UniqueConstraint(
            "application_id",
            "reviewer_subject",
            name="uq_continuation_assignments_application_id_reviewer_subject",
        ),
        schema="review",
    )
    op.create_index(
        "ix_continuation_assignments_application_id",
        "continuation_assignments",
        ["application_id"],
        schema="review",
    )
    op.create_index(
        "ix_continuation_assignments_reviewer_subject",
        "continuation_assignments",
        ["reviewer_subject"],
        schema="review",
    )
    op.create_table(
        "continuation_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registry_result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["review.continuation_applications.id"],
            name="fk_continuation_decisions_application",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["review.continuation_cycles.id"],
            name="fk_continuation_decisions_cycle_id_continuation_cycles",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_continuation_decisions"),
        sa.UniqueConstraint("application_id", name="uq_continuation_decisions_application_id"),
        schema="review",
    )


def downgrade() -> None:
    for table in (
        "continuation_decisions",
        "continuation_assignments",
        "continuation_applications",
        "continuation_grace_periods",
        "continuation_cycle_projects",
        "continuation_cycles",
        "audit_events",
    ):
        op.drop_table(table, schema="review")
    op.drop_table("reviewers", schema="review")
    op.drop_table("idempotency_keys", schema="review")
