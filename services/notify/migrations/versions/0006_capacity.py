"""Capacity as notify applies it once an operator changes it (rsvp_capacities).

Revision ID: notify_0006
Revises: notify_0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_0006"
down_revision: str | None = "notify_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rsvp_capacities",
        sa.Column("symposium_id", sa.Uuid(), primary_key=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        schema="notify",
    )


def downgrade() -> None:
    op.drop_table("rsvp_capacities", schema="notify")
