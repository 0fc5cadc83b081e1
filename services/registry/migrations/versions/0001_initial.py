"""Initial registry schema: the outbox and the applied-effects keys.

Revision ID: registry_0001
Revises:
"""

from collections.abc import Sequence

from alembic import op

from libs.common.migrations import create_messaging_tables

revision: str = "registry_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "registry"


def upgrade() -> None:
    create_messaging_tables(SCHEMA)


def downgrade() -> None:
    op.drop_table("applied_effects", schema=SCHEMA)
    op.drop_table("outbox", schema=SCHEMA)
