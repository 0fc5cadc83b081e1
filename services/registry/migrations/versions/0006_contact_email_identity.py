"""Contacts: one address per owner, compared by its identity key (issue 14, items 4 and 7).

The global unique ``email`` made a 409 that told a municipality another one held the address;
it becomes unique per owner (``coalesce(lg_code, '')``) on ``email_key``, the identity the kernel's
``libs.common.email_identity`` computes. The key is computed here in Python, by that same
function, never by SQL ``lower()`` (which depends on the collation).

Existing rows of one owner whose addresses differ only in case are one mailbox: the oldest record
(created_at, id) is kept — it is the one the audience always chose, so the links mailed for it keep
working — and takes the others' project and council links and, if it has none, their
suppression; the others are deleted, each with a ``contact.merged`` audit event.

Revision ID: registry_0006
Revises: registry_0005
"""

import json
from collections.abc import Sequence
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from alembic import op

from libs.common.email_identity import address_key

revision: str = "registry_0006"
down_revision: str | None = "registry_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "registry"
ACTOR = "migration:registry_0006"


def _backfill_keys(conn: sa.Connection) -> list[Any]:
    rows = conn.execute(
        sa.text(
            "SELECT id, email, coalesce(lg_code, '') AS owner, suppression, suppression_reason, "
            "suppressed_at FROM registry.contacts ORDER BY created_at, id"
        )
    ).all()
    if rows:
        conn.execute(
            sa.text("UPDATE registry.contacts SET email_key = :key WHERE id = :id"),
            [{"id": row.id, "key": address_key(row.email)} for row in rows],
        )
    return list(rows)


def _merge(conn: sa.Connection, keep: Any, suppressed: bool, gone: Any) -> bool:
    """Fold ``gone`` into ``keep``; True when ``keep`` is now suppressed."""
    conn.execute(
        sa.text(
            "UPDATE registry.contact_links l SET contact_id = :keep WHERE l.contact_id = :gone "
            "AND NOT EXISTS (SELECT 1 FROM registry.contact_links k WHERE k.contact_id = :keep "
            "AND k.project_id IS NOT DISTINCT FROM l.project_id "
            "AND k.council_id IS NOT DISTINCT FROM l.council_id)"
        ),
        {"keep": keep.id, "gone": gone.id},
    )
    takes_suppression = not suppressed and gone.suppression is not None
    if takes_suppression:
        conn.execute(
            sa.text(
                "UPDATE registry.contacts SET suppression = :state, suppression_reason = :reason,"
                " suppressed_at = :at, version = version + 1 WHERE id = :keep"
            ),
            {
                "state": gone.suppression,
                "reason": gone.suppression_reason,
                "at": gone.suppressed_at,
                "keep": keep.id,
            },
        )
    conn.execute(sa.text("DELETE FROM registry.contacts WHERE id = :gone"), {"gone": gone.id})
    conn.execute(
        sa.text(
            "INSERT INTO registry.audit_events (actor, action, subject_type, subject_id, before, "
            "after) VALUES (:actor, 'contact.merged', 'contact', :gone, "
            "CAST(:before AS jsonb), CAST(:after AS jsonb))"
        ),
        {
            "actor": ACTOR,
            "gone": str(gone.id),
            "before": json.dumps({"email": gone.email}, ensure_ascii=False),
            "after": json.dumps({"merged_into": str(keep.id)}),
        },
    )
    return suppressed or takes_suppression


def _merge_case_duplicates(conn: sa.Connection, rows: list[Any]) -> None:
    def identity(row: Any) -> tuple[str, str]:
        return row.owner, address_key(row.email)

    # Stable sort: within one identity the rows stay oldest first.
    for _, group in groupby(sorted(rows, key=identity), key=identity):
        keep, *duplicates = list(group)
        suppressed = keep.suppression is not None
        for gone in duplicates:
            suppressed = _merge(conn, keep, suppressed, gone)


def upgrade() -> None:
    op.add_column("contacts", sa.Column("email_key", sa.String(320)), schema=SCHEMA)
    conn = op.get_bind()
    _merge_case_duplicates(conn, _backfill_keys(conn))
    op.alter_column("contacts", "email_key", nullable=False, schema=SCHEMA)
    op.drop_constraint("uq_contacts_email", "contacts", schema=SCHEMA, type_="unique")
    op.create_index("ix_contacts_email_key", "contacts", ["email_key"], schema=SCHEMA)
    op.create_index(
        "uq_contacts_owner_email_key",
        "contacts",
        [sa.text("coalesce(lg_code, '')"), "email_key"],
        unique=True,
        schema=SCHEMA,
    )


def downgrade() -> None:
    """Fails when two owners now hold one address: the global rule cannot hold them both."""
    op.drop_index("uq_contacts_owner_email_key", "contacts", schema=SCHEMA)
    op.drop_index("ix_contacts_email_key", "contacts", schema=SCHEMA)
    op.create_unique_constraint("uq_contacts_email", "contacts", ["email"], schema=SCHEMA)
    op.drop_column("contacts", "email_key", schema=SCHEMA)
