"""Contacts keep every suppression reason (issue 17, item 6), the strongest in effect.

``suppression``, ``suppression_reason`` and ``suppressed_at`` stay the effective ones;
``suppression_reasons`` keeps each report with when and who, so a later bounce no longer
replaces an unsubscribe. Suppressed contacts get their one reason as the record.

Revision ID: registry_0010
Revises: registry_0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "registry_0010"
down_revision: str | None = "registry_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "registry"


def upgrade() -> None:
    op.add_column(
        "contacts",
        sa.Column(
            "suppression_reasons",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        schema=SCHEMA,
    )
    op.execute(
        "UPDATE registry.contacts SET suppression_reasons = jsonb_build_array(jsonb_build_object("
        "'state', suppression, 'reason', coalesce(suppression_reason, ''), "
        "'at', to_jsonb(suppressed_at), 'by', 'registry')) WHERE suppression IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column("contacts", "suppression_reasons", schema=SCHEMA)
