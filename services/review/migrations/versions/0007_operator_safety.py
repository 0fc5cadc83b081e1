"""Issue 16 slot for operator safety (forced close, audits): fill in (and rename this docstring) or leave empty.

Revision ID: review_0007
Revises: review_0006
"""

from collections.abc import Sequence

revision: str = "review_0007"
down_revision: str | None = "review_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
