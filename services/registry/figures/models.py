"""公表数値 — a figure a source publishes (38 projects supported, 19 Society5.0 adoptions …).

Stored as published, with its date and source, beside what the registry counts from its rows:
rows are stored only for what a source names, so a published total is never "reproduced" by
inventing rows (docs/registry.md, "Counted and published figures").
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from services.registry.models import Base


class PublishedFigure(Base):
    __tablename__ = "published_figures"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # Stable, for partners and the seed: ``projects.supported.current``.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    topic: Mapped[str] = mapped_column(String(30), index=True)  # projects | society5 | platform
    label: Mapped[str] = mapped_column(String(200))  # what it counts, in Japanese
    label_en: Mapped[str] = mapped_column(String(200), default="")
    value: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(20))  # 事業, 件, 団体
    fiscal_year: Mapped[int | None] = mapped_column(Integer)  # the 年度 the figure is about
    # The 選定年度 of the projects counted, when the figure is about one cohort.
    cohort_fiscal_year: Mapped[int | None] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)  # the date the source states it as of
    as_of_note: Mapped[str] = mapped_column(Text, default="")  # where that date comes from
    source: Mapped[str] = mapped_column(Text)  # the document: who, title, date
    source_section: Mapped[str] = mapped_column(Text)  # its page or section
    source_text: Mapped[str] = mapped_column(Text, default="")  # the words, verbatim
    # How the value follows from what the source states, when it is not written as a number.
    derivation: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
