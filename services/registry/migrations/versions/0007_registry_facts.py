"""Registry facts (issue 16): published figures, symposia held and of unstated format, designations.

- ``published_figures``: what a source publishes (value, unit, 基準日, source, section, words),
  served beside the counts of stored rows (``GET /v1/projects/stats``, ``/v1/published-figures``).
- ``symposia.format`` becomes nullable: stored only where the source states it. The new state
  ``held`` needs no DDL (a VARCHAR; see libs.common.db.state_type); ``jisso seed`` and the daily
  sweep mark past symposia held, and the seed clears the FY2020 format it used to invent (both
  audited), so this migration changes no row.
- ``local_governments.designations_as_of`` / ``designations_source``: the date and name of the
  official lists the 中核市 / 中枢中核都市 flags come from; null for the flags stored so far
  (nothing said where they came from).

Revision ID: registry_0007
Revises: registry_0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0007"
down_revision: str | None = "registry_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "registry"


def upgrade() -> None:
    op.create_table(
        "published_figures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=30), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=True),
        sa.Column("cohort_fiscal_year", sa.Integer(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("as_of_note", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_section", sa.Text(), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("derivation", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_figures")),
        sa.UniqueConstraint("key", name=op.f("uq_published_figures_key")),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_published_figures_topic"), "published_figures", ["topic"], schema=SCHEMA
    )
    op.alter_column(
        "symposia", "format", existing_type=sa.String(length=20), nullable=True, schema=SCHEMA
    )
    op.add_column(
        "local_governments",
        sa.Column("designations_as_of", sa.Date(), nullable=True),
        schema=SCHEMA,
    )
    op.add_column(
        "local_governments",
        sa.Column("designations_source", sa.String(length=300), nullable=True),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_column("local_governments", "designations_source", schema=SCHEMA)
    op.drop_column("local_governments", "designations_as_of", schema=SCHEMA)
    # A format the source never stated was stored as web before this revision.
    op.execute(sa.text("UPDATE registry.symposia SET format = 'web' WHERE format IS NULL"))
    op.alter_column(
        "symposia", "format", existing_type=sa.String(length=20), nullable=False, schema=SCHEMA
    )
    # The state `held` does not exist before this revision: a held symposium was scheduled.
    op.execute(sa.text("UPDATE registry.symposia SET status = 'scheduled' WHERE status = 'held'"))
    op.drop_index(op.f("ix_published_figures_topic"), table_name="published_figures", schema=SCHEMA)
    op.drop_table("published_figures", schema=SCHEMA)
