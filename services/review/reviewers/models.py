"""審査員 — reviewers, known by the subject of their JWT, with what conflicts of interest depend
on, and the office's organisation aliases (別名) the conflict check follows."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from services.review.models import Base


class Reviewer(Base):
    __tablename__ = "reviewers"

    subject: Mapped[str] = mapped_column(String(200), primary_key=True)  # the token's ``sub``
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320))
    organisation: Mapped[str] = mapped_column(String(200))
    organisation_key: Mapped[str] = mapped_column(String(400), index=True)
    # The local government the reviewer belongs to, if any (a municipal officer, say).
    lg_code: Mapped[str | None] = mapped_column(String(6))
    # The smart-city programme the reviewer reviews for (joint review); None for continuation only.
    programme: Mapped[str | None] = mapped_column(String(40), index=True)
    # Its mark (☆ □ ○ ● ■) as the registry gave it at registration, so reads show both.
    programme_mark: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class OrganisationAlias(Base):
    """別名: a written form of an organisation (``ドコモ``, ``道庁``, an old name) that the office
    maps to its canonical organisation; the conflict check follows it (``organisations.py``)."""

    __tablename__ = "organisation_aliases"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    written: Mapped[str] = mapped_column(String(200))  # as the operator typed it
    # ``organisations.written_key(written)``: one alias per written form, whatever its width.
    written_key: Mapped[str] = mapped_column(String(400), unique=True)
    canonical: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
