"""At most one invitation campaign per symposium under way (issue 17, item 1).

A partial unique index on ``campaigns (symposium_id)`` for invitations in ``draft``, ``approved``
or ``sending``: two drafts drafted at once cannot both be stored, whatever the service's check saw.
Done and cancelled invitations are outside it, so a new invitation may follow a finished one.
Drafts that already break the rule (older duplicates of an active invitation) are cancelled
first, and their queued deliveries removed, as ``cancel_campaign`` does.

Revision ID: notify_0005
Revises: notify_0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_0005"
down_revision: str | None = "notify_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "notify"
INDEX = "uq_campaigns_one_active_invitation"
ACTIVE = "kind = 'invitation' AND status IN ('draft', 'approved', 'sending')"

# Older drafts beside a newer (or already sent) active invitation of the same symposium.
_DUPLICATE_DRAFTS = f"""
    SELECT c.id FROM {SCHEMA}.campaigns c
    WHERE c.kind = 'invitation' AND c.status = 'draft' AND EXISTS (
        SELECT 1 FROM {SCHEMA}.campaigns o
        WHERE o.symposium_id = c.symposium_id AND o.id <> c.id
          AND o.kind = 'invitation' AND o.status IN ('draft', 'approved', 'sending')
          AND (o.status <> 'draft' OR (o.created_at, o.id) > (c.created_at, c.id))
    )
"""


def upgrade() -> None:
    conn = op.get_bind()
    stale = [row[0] for row in conn.execute(sa.text(_DUPLICATE_DRAFTS))]
    if stale:
        ids = sa.bindparam("ids", stale, expanding=True)
        conn.execute(
            sa.text(f"DELETE FROM {SCHEMA}.deliveries WHERE campaign_id IN :ids").bindparams(ids)
        )
        conn.execute(
            sa.text(
                f"UPDATE {SCHEMA}.campaigns SET status = 'cancelled', version = version + 1 "
                "WHERE id IN :ids"
            ).bindparams(ids)
        )
    op.create_index(
        INDEX,
        "campaigns",
        ["symposium_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text(ACTIVE),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="campaigns", schema=SCHEMA)
