"""地域実装協議会 — a project's implementation council and its member organisations."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.registry.models import Base


class Council(Base):
    __tablename__ = "councils"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)

    members: Mapped[list[CouncilMember]] = relationship(
        lazy="raise", order_by="CouncilMember.position", cascade="all, delete-orphan"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


# What a member's audit events record of it (services/registry/councils/service.py).
MEMBER_AFTER = ("organisation", "category", "role", "lg_code", "position")


class CouncilMember(Base):
    """A member organisation: category (local government, public body, private company,
    university, research institute, ministry, other) and role (chair, secretariat,
    on-site support lead 現地支援責任者, member)."""

    __tablename__ = "council_members"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    council_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("councils.id", ondelete="CASCADE"), index=True
    )
    organisation: Mapped[str] = mapped_column(String(200))
    organisation_key: Mapped[str] = mapped_column(String(400), index=True)
    category: Mapped[str] = mapped_column(String(30))
    role: Mapped[str] = mapped_column(String(30), default="member")
    lg_code: Mapped[str | None] = mapped_column(ForeignKey("local_governments.code"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
