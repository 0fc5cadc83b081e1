"""An index in the order contact lists are read: name, id.

``GET /v1/contacts`` and its cursor pages sort by (name, id). Without a filter (the operator's
list) PostgreSQL read every contact and sorted them for the first 51: 114 ms at 100,000 contacts
(bench scale 1), a million rows at ten times the data. With this one it reads the first rows in
order (the plans in bench/plans.py).

Revision ID: registry_0012
Revises: registry_0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "registry_0012"
down_revision: str | None = "registry_0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "registry"


def upgrade() -> None:
    op.create_index("ix_contacts_list_order", "contacts", ["name", "id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_contacts_list_order", table_name="contacts", schema=SCHEMA)
