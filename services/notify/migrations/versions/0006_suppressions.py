"""Suppression reasons accumulate (issue 17, item 6): every reason with when and who.

``state`` and ``reason`` stay the effective (strongest) ones; ``reasons`` keeps them all, so a
later bounce no longer hides an unsubscribe. Existing rows get their one reason as the record.

Revision ID: notify_0006
Revises: notify_0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "notify_0006"
down_revision: str | None = "notify_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "suppressions",
        sa.Column(
            "reasons",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        schema="notify",
    )
    op.execute(
        "UPDATE notify.suppressions SET reasons = jsonb_build_array(jsonb_build_object("
        "'state', state, 'reason', reason, 'at', to_jsonb(created_at), 'by', 'notify'))"
    )


def downgrade() -> None:
    op.drop_column("suppressions", "reasons", schema="notify")
