"""Programmes: the name each programme bore in a fiscal year (issue 16, the joint-review legend).

The FY2021 results table names □ 「データ連携促進型スマートシティ推進事業」 and notes that
until FY2020 it was 「データ利活用型スマートシティ推進事業」 (※1), and that ● was
「新モビリティサービス推進事業」 in FY2019 (※2); the programme table calls them by today's names.
``name`` on a fiscal-year row is the name of that year; null means the programme's current name.
Existing rows keep null (the seed fills the years it states).

Revision ID: registry_0009
Revises: registry_0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0009"
down_revision: str | None = "registry_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "registry"


def upgrade() -> None:
    op.add_column(
        "programme_fiscal_years",
        sa.Column("name", sa.String(200), nullable=True),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_column("programme_fiscal_years", "name", schema=SCHEMA)
