"""スマートシティ関連事業 (programmes) and 交付金 grant schemes with their rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.registry.models import Base


class Programme(Base):
    """One of the five smart-city programmes of the joint review (合同審査)."""

    __tablename__ = "programmes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    mark: Mapped[str] = mapped_column(String(2), unique=True)
    ministry: Mapped[str] = mapped_column(String(50))
    bureau: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    # [{"name": ..., "until_fiscal_year": 2020 | None, "note": ...}]: the seed gives a former
    # name with the year it was last used, or only says where the name appeared.
    former_names: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    support_target: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(Text, default="")
    # What the selection counts mean when the seed qualifies them (※先行モデルプロジェクト選定数).
    selection_count_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    fiscal_years: Mapped[list[ProgrammeFiscalYear]] = relationship(
        lazy="raise", order_by="ProgrammeFiscalYear.fiscal_year", cascade="all, delete-orphan"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ProgrammeFiscalYear(Base):
    """A programme's name, budget and number of selections in one fiscal year."""

    __tablename__ = "programme_fiscal_years"

    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The name the programme bore that year (施策名), as that year's tables print it; null: the
    # programme's current ``name``. □ was 「データ連携促進型…」 in FY2021, 「データ利活用型…」
    # before.
    name: Mapped[str | None] = mapped_column(String(200))
    budget_yen: Mapped[int | None] = mapped_column(BigInteger)
    budget_note: Mapped[str] = mapped_column(Text, default="")
    selection_count: Mapped[int | None] = mapped_column(Integer)


class GrantScheme(Base):
    """A 交付金 type (先駆, 横展開, Society5.0, デジタル実装 TYPE1–3) and its rules."""

    __tablename__ = "grant_schemes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    grant: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    budget_note: Mapped[str] = mapped_column(Text, default="")
    subsidy_rate: Mapped[str | None] = mapped_column(String(10))
    max_years: Mapped[int | None] = mapped_column(Integer)
    # Schemes sharing a quota group count against the same new-application quota.
    quota_group: Mapped[str | None] = mapped_column(String(40))
    outside_quota: Mapped[bool] = mapped_column(Boolean, default=False)
    required_conditions: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    version: Mapped[int] = mapped_column(default=1)

    caps: Mapped[list[GrantSchemeCap]] = relationship(lazy="raise", cascade="all, delete-orphan")
    quotas: Mapped[list[GrantSchemeQuota]] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class GrantSchemeCap(Base):
    """交付上限額 — the yearly national-funding cap of one project, by applicant kind."""

    __tablename__ = "grant_scheme_caps"

    scheme_id: Mapped[str] = mapped_column(ForeignKey("grant_schemes.id"), primary_key=True)
    applicant_kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    yearly_cap_yen: Mapped[int] = mapped_column(BigInteger)


class GrantSchemeQuota(Base):
    """申請上限件数 — new applications one applicant may file in a fiscal year."""

    __tablename__ = "grant_scheme_quotas"

    scheme_id: Mapped[str] = mapped_column(ForeignKey("grant_schemes.id"), primary_key=True)
    applicant_kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    max_new: Mapped[int] = mapped_column(Integer)
    max_wide_area: Mapped[int | None] = mapped_column(Integer)
