"""The Idempotency-Key store, for ``POST /v1/projects`` (a caller's retry creates one project).

Revision ID: registry_0005
Revises: registry_0004
"""

from collections.abc import Sequence

from alembic import op

from libs.common.migrations import create_idempotency_table

revision: str = "registry_0005"
down_revision: str | None = "registry_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "registry"


def upgrade() -> None:
    create_idempotency_table(SCHEMA)


def downgrade() -> None:
    op.drop_table("idempotency_keys", schema=SCHEMA)
