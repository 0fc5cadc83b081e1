"""Project terms (issue 16): the day extended support began, and the day of each term decision.

``projects.extended_on`` is what ``status_as_of`` answers ``extended`` from, so the status on a
date and the ``?status=`` filter (which asks for the status on the list's ``as_of``) agree on every
date, before the first continuation too. Existing extended projects get the day of their first
recorded extension (its Tokyo date; for the seed's, the decision day its decision id names), or the
day they were registered when they came with their continuations (an import), at the latest the
day after the term they extended.

``term_changes.decided_on`` keeps the decision's day when the caller states it; the term history
shows it. No project is ended here: the term sweep (``expire_term``) does that when it runs, so a
migration never depends on the day it is run.

Revision ID: registry_0008
Revises: registry_0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0008"
down_revision: str | None = "registry_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "registry"

# The seed's continuations are named seed:continuation:<decision day>:<n>.
_SEED_DECISIONS = """
UPDATE registry.term_changes
SET decided_on = split_part(decision_id, ':', 3)::date
WHERE kind = 'extension' AND decision_id ~ '^seed:continuation:\\d{4}-\\d{2}-\\d{2}:'
"""

_EXTENDED_ON = """
UPDATE registry.projects p
SET extended_on = LEAST(
    COALESCE(
        (SELECT min(COALESCE(t.decided_on, (t.created_at AT TIME ZONE 'Asia/Tokyo')::date))
         FROM registry.term_changes t
         WHERE t.project_id = p.id AND t.kind = 'extension'),
        (p.created_at AT TIME ZONE 'Asia/Tokyo')::date
    ),
    make_date(p.selection_fiscal_year + 3, 4, 1)
)
WHERE p.extensions > 0
"""


def upgrade() -> None:
    op.add_column("projects", sa.Column("extended_on", sa.Date(), nullable=True), schema=SCHEMA)
    op.add_column("term_changes", sa.Column("decided_on", sa.Date(), nullable=True), schema=SCHEMA)
    op.execute(sa.text(_SEED_DECISIONS))
    op.execute(sa.text(_EXTENDED_ON))


def downgrade() -> None:
    # Rows the term sweep wrote (kind 'expiry') stay: they are history, and harmless to 0007.
    op.drop_column("term_changes", "decided_on", schema=SCHEMA)
    op.drop_column("projects", "extended_on", schema=SCHEMA)
