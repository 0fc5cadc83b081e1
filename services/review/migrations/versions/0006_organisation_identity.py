"""Conflicts of interest by organisation identity: the office's organisation aliases (別名), an
assignment's withdrawal (割当の撤回: who, when, why), and a reviewer's programme mark beside its id.

Reviewers registered before marks were resolved may hold a mark as their programme; they are
stored under the seeded programme's id (the registry's ids for the five marks are fixed by its
seed), and each reviewer of a seeded programme gets its mark. A programme an operator added later
keeps no mark here until the reviewer is registered again.

Revision ID: review_0006
Revises: review_0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "review_0006"
down_revision: str | None = "review_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "review"
SEEDED_PROGRAMMES = {
    "☆": "mirai-gijutsu",
    "□": "soumu-smart-city",
    "○": "meti-maas",
    "●": "mlit-japan-maas",
    "■": "mlit-smart-city-model",
}


def upgrade() -> None:
    op.create_table(
        "organisation_aliases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("written", sa.String(200), nullable=False),
        sa.Column("written_key", sa.String(400), nullable=False),
        sa.Column("canonical", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisation_aliases"),
        sa.UniqueConstraint("written_key", name="uq_organisation_aliases_written_key"),
        schema=SCHEMA,
    )
    op.add_column("reviewers", sa.Column("programme_mark", sa.String(4)), schema=SCHEMA)
    for column in (
        sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
        sa.Column("withdrawn_by", sa.String(200)),
        sa.Column("withdrawal_reason", sa.Text()),
    ):
        op.add_column("continuation_assignments", column, schema=SCHEMA)
    reviewers = sa.table(
        "reviewers", sa.column("programme"), sa.column("programme_mark"), schema=SCHEMA
    )
    for mark, programme_id in SEEDED_PROGRAMMES.items():
        op.execute(
            reviewers.update()
            .where(reviewers.c.programme.in_([mark, programme_id]))
            .values(programme=programme_id, programme_mark=mark)
        )


def downgrade() -> None:
    for column in ("withdrawal_reason", "withdrawn_by", "withdrawn_at"):
        op.drop_column("continuation_assignments", column, schema=SCHEMA)
    op.drop_column("reviewers", "programme_mark", schema=SCHEMA)
    op.drop_table("organisation_aliases", schema=SCHEMA)
