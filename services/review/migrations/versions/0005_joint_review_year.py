"""Joint review: each round's legend keeps the ministry, bureau and earlier names of its programmes
(issue 16).

A round copies its programmes' legend from the registry when it is created or imported, so an old
round keeps the legend of its year: the name that year (in ``name``, already there), and now the
ministry (府省), its bureau (局) and the note on earlier names the published legend prints (※1
令和2年度までの施策名は「…」). Rounds stored before this migration get empty texts: the review
service cannot read the registry from a migration, and an empty ministry is shown as none.

Revision ID: review_0005
Revises: review_0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "review_0005"
down_revision: str | None = "review_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "review"
TABLE = "joint_round_programmes"
COLUMNS = (
    ("ministry", sa.String(50)),
    ("bureau", sa.String(100)),
    ("name_note", sa.Text()),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        # The default fills the rows already there, then goes: the model has no server default.
        op.add_column(
            TABLE, sa.Column(name, type_, nullable=False, server_default=""), schema=SCHEMA
        )
        op.alter_column(TABLE, name, server_default=None, schema=SCHEMA)


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column(TABLE, name, schema=SCHEMA)
