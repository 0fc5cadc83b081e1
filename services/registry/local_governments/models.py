"""地方公共団体 — local governments, keyed by their 全国地方公共団体コード."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from services.registry.models import Base


class LocalGovernment(Base):
    __tablename__ = "local_governments"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kana: Mapped[str] = mapped_column(String(200), default="")
    prefecture_code: Mapped[str] = mapped_column(String(2), index=True)
    prefecture: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(30))
    is_core_city: Mapped[bool] = mapped_column(Boolean, default=False)  # 中核市
    is_central_core_city: Mapped[bool] = mapped_column(Boolean, default=False)  # 中枢中核都市
    # The date of the official lists the two flags were last taken from (基準日), and which lists;
    # None: never set from a list, so a false flag means "not recorded", not "not designated".
    # 政令指定都市 is not stored: the code says it (``kind``), and its code changes with it.
    designations_as_of: Mapped[date | None] = mapped_column(Date)
    designations_source: Mapped[str | None] = mapped_column(String(300))
    search_key: Mapped[str] = mapped_column(String(400), index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
