"""会場: where an in-person or hybrid symposium is held (the ICS LOCATION); 中止理由: why a
cancelled one was called off, which the cancellation letter says.

Revision ID: registry_0011
Revises: registry_0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0011"
down_revision: str | None = "registry_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("symposia", sa.Column("venue", sa.String(300), nullable=True), schema="registry")
    op.add_column(
        "symposia", sa.Column("cancellation_reason", sa.Text(), nullable=True), schema="registry"
    )


def downgrade() -> None:
    op.drop_column("symposia", "cancellation_reason", schema="registry")
    op.drop_column("symposia", "venue", schema="registry")
