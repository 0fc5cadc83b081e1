"""審査員 — reviewers, known by the subject of their JWT, with what conflicts of interest depend on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, func
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
