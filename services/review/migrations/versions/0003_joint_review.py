"""the smart-city joint review (合同審査): rounds, applications, assessments, selections, results

Revision ID: review_0003
Revises: review_0002
"""

from collections.abc import Sequence

revision: str = "review_0003"
down_revision: str | None = "review_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
