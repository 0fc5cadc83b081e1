"""未来技術実装ミニシンポジウム — themed symposia and who they invite."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from libs.common.db import state_type
from services.registry.models import Base
from services.registry.symposia.states import SymposiumState


class Symposium(Base):
    __tablename__ = "symposia"
    __table_args__ = (UniqueConstraint("fiscal_year", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    theme: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # web | in_person | hybrid; None where the source does not say (FY2020's 開催実績).
    format: Mapped[str | None] = mapped_column(String(20))
    join_url: Mapped[str | None] = mapped_column(Text)
    # 会場: the place of an in-person or hybrid session; the ICS LOCATION.
    venue: Mapped[str | None] = mapped_column(String(300))
    # 中止理由, as the operator gave it when cancelling; the cancellation letter says it.
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    # The stakeholder categories invited (参加対象者).
    audience: Mapped[list[str]] = mapped_column(ARRAY(String(30)))
    capacity: Mapped[int | None] = mapped_column(Integer)
    tentative: Mapped[bool] = mapped_column(default=False)  # （予定）
    status: Mapped[SymposiumState] = mapped_column(
        state_type(SymposiumState, 20), default=SymposiumState.scheduled
    )
    # Raised on every change of time or place, for the ICS SEQUENCE.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
