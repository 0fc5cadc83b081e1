"""The outbox's due time: a message whose job ran out of tries is re-armed, not dropped.

Revision ID: notify_0003
Revises: notify_0002
"""

from collections.abc import Sequence

from libs.common.migrations import add_outbox_due_at, drop_outbox_due_at

revision: str = "notify_0003"
down_revision: str | None = "notify_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "notify"


def upgrade() -> None:
    add_outbox_due_at(SCHEMA)


def downgrade() -> None:
    drop_outbox_due_at(SCHEMA)
