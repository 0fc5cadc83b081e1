"""The outbox's due time: a message whose job ran out of tries is re-armed, not dropped.

Revision ID: registry_0004
Revises: registry_0003
"""

from collections.abc import Sequence

from libs.common.migrations import add_outbox_due_at, drop_outbox_due_at

revision: str = "registry_0004"
down_revision: str | None = "registry_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "registry"


def upgrade() -> None:
    add_outbox_due_at(SCHEMA)


def downgrade() -> None:
    drop_outbox_due_at(SCHEMA)
