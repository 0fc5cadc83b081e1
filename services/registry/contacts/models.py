"""連絡先 — people jisso writes to, with the suppression state notify reads and sets."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from libs.common.email_identity import address_key
from services.registry.models import Base


class Contact(Base):
    """Owned by its local government (``lg_code``; none: the office's own). The same mailbox may
    be a contact of several owners, each unaware of the others (docs/registry.md); inside one
    owner an address is one contact, compared by its identity key (libs/common/email_identity)."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index(
            "uq_contacts_owner_email_key",
            text("coalesce(lg_code, '')"),
            "email_key",
            unique=True,
        ),
        # The lists' order (GET /v1/contacts): a page reads its first rows in order, not all.
        Index("ix_contacts_list_order", "name", "id"),
        # The suppressed ones (?suppressed=true), about 1 %: not found by walking the whole order.
        Index(
            "ix_contacts_suppressed_order",
            "name",
            "id",
            postgresql_where=text("suppression IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320))  # canonical: as written, domain lower-cased
    # The mailbox's identity: uniqueness per owner, suppression and the audience compare by it.
    email_key: Mapped[str] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    # Normalised name and organisation, for ``q`` (never the email: partners may search too).
    search_key: Mapped[str] = mapped_column(Text, default="")
    # national_government | local_government | school | private_company |
    # resident_representative | other
    stakeholder_category: Mapped[str] = mapped_column(String(30), index=True)
    lg_code: Mapped[str | None] = mapped_column(ForeignKey("local_governments.code"), index=True)
    suppression: Mapped[str | None] = mapped_column(String(20))  # unsubscribed | bounced
    suppression_reason: Mapped[str | None] = mapped_column(Text)
    suppressed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Every suppression report with when and who; the three above are the strongest one's
    # (libs/common/suppression.py): a later bounce never replaces an unsubscribe.
    suppression_reasons: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    links: Mapped[list[ContactLink]] = relationship(lazy="raise", cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @validates("email")
    def _keep_email_key(self, _: str, email: str) -> str:
        # Set with the address, whoever sets it: the key can never lag behind the address.
        self.email_key = address_key(email)
        return email


class ContactLink(Base):
    """A contact's tie to a project or a council (one of the two)."""

    __tablename__ = "contact_links"
    __table_args__ = (UniqueConstraint("contact_id", "project_id", "council_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    council_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("councils.id", ondelete="CASCADE"), index=True
    )
