"""the continuation review (継続審査): cycles, applications, reviewers, assessments, decisions, audit

Revision ID: review_0002
Revises: review_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

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


def downgrade() -> None:
    op.drop_table("reviewers", schema="review")
    op.drop_table("idempotency_keys", schema="review")
