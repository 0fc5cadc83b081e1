"""出欠 — a recipient's answer to a symposium invitation, with the waitlist."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, validates

from libs.common.email_identity import address_key
from services.notify.models import Base


class Rsvp(Base):
    """One answer per mailbox (``email_key``) and symposium; ``email`` keeps the address as
    written, which the letter to a promoted attendee is sent to."""

    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("symposium_id", "email_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    symposium_id: Mapped[uuid.UUID] = mapped_column(index=True)
    contact_id: Mapped[uuid.UUID | None] = mapped_column()
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    response: Mapped[str] = mapped_column(String(20))  # attending | declined | waitlisted
    # Waitlist order: the time the acceptance arrived.
    requested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @validates("email")
    def _keep_email_key(self, _: str, email: str) -> str:
        self.email_key = address_key(email)
        return email
