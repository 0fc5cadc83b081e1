"""the smart-city joint review (合同審査): rounds, applications, assessments, selections, results

Revision ID: review_0003
Revises: review_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "review_0003"
down_revision: str | None = "review_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "review"


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    if nullable:
        return sa.Column(name, sa.DateTime(timezone=True), nullable=True)
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _rounds() -> None:
    op.create_table(
        "joint_review_rounds",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("imported", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("call_opens_on", sa.Date(), nullable=True),
        _timestamp("deadline_at", nullable=True),
        _timestamp("deadline_effective_at", nullable=True),
        sa.Column("review_due_on", sa.Date(), nullable=True),
        sa.Column("review_due_effective_on", sa.Date(), nullable=True),
        sa.Column("announcement_on", sa.Date(), nullable=True),
        sa.Column("announcement_effective_on", sa.Date(), nullable=True),
        _timestamp("closed_at", nullable=True),
        _timestamp("published_at", nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_joint_review_rounds"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_joint_review_rounds_fiscal_year", "joint_review_rounds", ["fiscal_year"], schema=SCHEMA
    )
    op.create_table(
        "joint_round_programmes",
        sa.Column("round_id", sa.UUID(), nullable=False),
        sa.Column("programme_id", sa.String(40), nullable=False),
        sa.Column("mark", sa.String(2), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=True),
        sa.Column("budget_yen", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            [f"{SCHEMA}.joint_review_rounds.id"],
            name="fk_joint_round_programmes_round_id_joint_review_rounds",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "programme_id", name="pk_joint_round_programmes"),
        schema=SCHEMA,
    )


def _applications() -> None:
    op.create_table(
        "joint_applications",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("round_id", sa.UUID(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("region_label", sa.String(300), nullable=False),
        sa.Column("region_keys", postgresql.ARRAY(sa.String(400)), nullable=False),
        sa.Column("lead_lg_code", sa.String(6), nullable=False),
        sa.Column("lg_codes", postgresql.ARRAY(sa.String(6)), nullable=False),
        sa.Column("members", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("programme_ids", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("scheme_id", sa.String(40), nullable=False),
        sa.Column("scheme_name", sa.String(100), nullable=False),
        sa.Column("quota_group", sa.String(40), nullable=True),
        sa.Column("applicant_kind", sa.String(30), nullable=False),
        sa.Column("wide_area", sa.Boolean(), nullable=False),
        sa.Column("duration_years", sa.Integer(), nullable=False),
        sa.Column("funding", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("round_year_amount_yen", sa.BigInteger(), nullable=False),
        sa.Column("conditions", postgresql.ARRAY(sa.Boolean()), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(100), nullable=True),
        sa.Column("contact_email", sa.String(320), nullable=True),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        _timestamp("created_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            [f"{SCHEMA}.joint_review_rounds.id"],
            name="fk_joint_applications_round_id_joint_review_rounds",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_joint_applications"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_joint_applications_round_id", "joint_applications", ["round_id"], schema=SCHEMA
    )
    op.create_index(
        "ix_joint_applications_applicant",
        "joint_applications",
        ["lead_lg_code", "fiscal_year", "quota_group"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_joint_applications_programme_ids",
        "joint_applications",
        ["programme_ids"],
        schema=SCHEMA,
        postgresql_using="gin",
    )


def _assessments() -> None:
    op.create_table(
        "joint_assessments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("programme_id", sa.String(40), nullable=False),
        sa.Column("reviewer_subject", sa.String(200), nullable=False),
        sa.Column("innovation_score", sa.SmallInteger(), nullable=False),
        sa.Column("innovation_comment", sa.Text(), nullable=False),
        sa.Column("feasibility_score", sa.SmallInteger(), nullable=False),
        sa.Column("feasibility_comment", sa.Text(), nullable=False),
        sa.Column("spread_score", sa.SmallInteger(), nullable=False),
        sa.Column("spread_comment", sa.Text(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            [f"{SCHEMA}.joint_applications.id"],
            name="fk_joint_assessments_application_id_joint_applications",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_subject"],
            [f"{SCHEMA}.reviewers.subject"],
            name="fk_joint_assessments_reviewer_subject_reviewers",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_joint_assessments"),
        sa.UniqueConstraint(
            "application_id",
            "reviewer_subject",
            name="uq_joint_assessments_application_id_reviewer_subject",
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_joint_assessments_application_id",
        "joint_assessments",
        ["application_id"],
        schema=SCHEMA,
    )


def _selections_and_imported() -> None:
    op.create_table(
        "joint_selections",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("round_id", sa.UUID(), nullable=False),
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("programme_id", sa.String(40), nullable=False),
        sa.Column("mark", sa.String(2), nullable=False),
        sa.Column("amount_yen", sa.BigInteger(), nullable=False),
        sa.Column("selected_by", sa.String(200), nullable=False),
        _timestamp("created_at"),
        sa.Column("registry_project_id", sa.UUID(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            [f"{SCHEMA}.joint_review_rounds.id"],
            name="fk_joint_selections_round_id_joint_review_rounds",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            [f"{SCHEMA}.joint_applications.id"],
            name="fk_joint_selections_application_id_joint_applications",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_joint_selections"),
        sa.UniqueConstraint(
            "application_id",
            "programme_id",
            name="uq_joint_selections_application_id_programme_id",
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_joint_selections_round_id", "joint_selections", ["round_id"], schema=SCHEMA)
    op.create_table(
        "joint_imported_regions",
        sa.Column("round_id", sa.UUID(), nullable=False),
        sa.Column("item_no", sa.Integer(), nullable=False),
        sa.Column("region_label", sa.String(300), nullable=False),
        sa.Column("region_key", sa.String(400), nullable=False),
        sa.Column("marks", sa.String(20), nullable=False),
        sa.Column("earlier_marks", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            [f"{SCHEMA}.joint_review_rounds.id"],
            name="fk_joint_imported_regions_round_id_joint_review_rounds",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "item_no", name="pk_joint_imported_regions"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_joint_imported_regions_region_key",
        "joint_imported_regions",
        ["region_key"],
        schema=SCHEMA,
    )


def upgrade() -> None:
    _rounds()
    _applications()
    _assessments()
    _selections_and_imported()


def downgrade() -> None:
    for table in (
        "joint_imported_regions",
        "joint_selections",
        "joint_assessments",
        "joint_applications",
        "joint_round_programmes",
        "joint_review_rounds",
    ):
        op.drop_table(table, schema=SCHEMA)
