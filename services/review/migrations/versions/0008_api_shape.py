"""Issue 16 slot for API shape: fill in (and rename this docstring) or leave empty.

Revision ID: review_0008
Revises: review_0007
"""

from collections.abc import Sequence

revision: str = "review_0008"
down_revision: str | None = "review_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
