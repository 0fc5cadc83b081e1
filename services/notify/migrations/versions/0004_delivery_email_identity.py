"""Deliveries and RSVPs keep the address as written and compare by its identity key (issue 14,
item 7).

Until now notify stored and sent to the lower-cased address. ``email`` now keeps the spelling mail
is sent to (the SMTP envelope and the To header), and the new ``email_key`` is the mailbox's
identity from ``libs.common.email_identity.address_key``: the one-letter-per-mailbox unique key of
a campaign, one RSVP per mailbox and symposium, and every comparison with a suppression.

Keys of existing rows: ``lower(email COLLATE "C")`` for rows that are printable ASCII — under the
C collation PostgreSQL lower-cases exactly A–Z, which is what Python's ``str.lower`` does to ASCII,
whatever the database's default collation (a Turkish one would map ``I`` to a dotless ``ı``) —
and ``address_key`` itself, in Python, for the rest. Rows written before keep their lower-cased
address: the spelling was never stored here, so their letters go on being sent as before.

``suppressions.email`` already held the identity key (every writer lower-cased it in Python), so
it is unchanged.

Revision ID: notify_0004
Revises: notify_0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from libs.common.email_identity import address_key

revision: str = "notify_0004"
down_revision: str | None = "notify_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "notify"
TABLES = ("deliveries", "rsvps")
_BATCH = 1000


def _backfill_keys(conn: sa.Connection, table: str) -> None:
    conn.execute(
        sa.text(
            f'UPDATE {SCHEMA}.{table} SET email_key = lower(email COLLATE "C") '
            "WHERE email ~ '^[ -~]*$'"
        )
    )
    rest = conn.execute(
        sa.text(f"SELECT id, email FROM {SCHEMA}.{table} WHERE email_key IS NULL")
    ).all()
    update = sa.text(f"UPDATE {SCHEMA}.{table} SET email_key = :key WHERE id = :id")
    for start in range(0, len(rest), _BATCH):
        batch = rest[start : start + _BATCH]
        conn.execute(update, [{"id": row.id, "key": address_key(row.email)} for row in batch])


def upgrade() -> None:
    conn = op.get_bind()
    for table in TABLES:
        op.add_column(table, sa.Column("email_key", sa.String(320)), schema=SCHEMA)
        _backfill_keys(conn, table)
        op.alter_column(table, "email_key", nullable=False, schema=SCHEMA)
    op.drop_index("ix_deliveries_email", table_name="deliveries", schema=SCHEMA)
    op.create_index("ix_deliveries_email_key", "deliveries", ["email_key"], schema=SCHEMA)
    # Campaigns always queued one row per lower-cased address, so existing rows satisfy it.
    op.create_unique_constraint(
        "uq_deliveries_campaign_id_email_key",
        "deliveries",
        ["campaign_id", "email_key"],
        schema=SCHEMA,
    )
    op.drop_constraint("uq_rsvps_symposium_id_email", "rsvps", schema=SCHEMA, type_="unique")
    op.create_unique_constraint(
        "uq_rsvps_symposium_id_email_key", "rsvps", ["symposium_id", "email_key"], schema=SCHEMA
    )


def downgrade() -> None:
    """Back to one lower-cased form: the address becomes its key again, as the old code expects."""
    op.drop_constraint("uq_rsvps_symposium_id_email_key", "rsvps", schema=SCHEMA, type_="unique")
    op.drop_constraint(
        "uq_deliveries_campaign_id_email_key", "deliveries", schema=SCHEMA, type_="unique"
    )
    op.drop_index("ix_deliveries_email_key", table_name="deliveries", schema=SCHEMA)
    for table in TABLES:
        op.execute(f"UPDATE {SCHEMA}.{table} SET email = email_key")
        op.drop_column(table, "email_key", schema=SCHEMA)
    op.create_index("ix_deliveries_email", "deliveries", ["email"], schema=SCHEMA)
    op.create_unique_constraint(
        "uq_rsvps_symposium_id_email", "rsvps", ["symposium_id", "email"], schema=SCHEMA
    )
