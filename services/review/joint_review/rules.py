"""The grant schemes' rules, applied to an application with the values of the registry's records.

Nothing here knows a cap, a quota or a number of years: every value comes from the grant-scheme
record (``GET /v1/grant-schemes``) passed in. A refusal is a ``RuleViolation`` naming the rule and
the numbers, so a front end can say exactly what to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from libs.common.errors import RuleViolation

Record = dict[str, Any]

PREFECTURE = "prefecture"
MUNICIPALITY = "municipality"
CENTRAL_CORE_CITY = "central_core_city"


def applicant_kind(local_government: Record) -> str:
    """都道府県, 中枢中核都市 or 市区町村, from the lead's registry record."""
    if local_government["kind"] == PREFECTURE:
        return PREFECTURE
    if local_government.get("is_central_core_city"):
        return CENTRAL_CORE_CITY
    return MUNICIPALITY


def oku(yen: int) -> str:
    """``200000000`` → ``2.0億円`` (the notation of the scheme tables)."""
    text = format((Decimal(yen) / Decimal(100_000_000)).normalize(), "f")
    return f"{text if '.' in text else text + '.0'}億円"


def _row_for(rows: Sequence[Record], kind: str) -> Record | None:
    """The row for ``kind``; a 中枢中核都市 is a 市, so a table without a row for it (デジタル実装
    タイプ) applies the municipality row."""
    by_kind = {row["applicant_kind"]: row for row in rows}
    if kind in by_kind:
        return by_kind[kind]
    return by_kind.get(MUNICIPALITY) if kind == CENTRAL_CORE_CITY else None


def check_max_years(scheme: Record, duration_years: int) -> None:
    max_years = scheme.get("max_years")
    if max_years is not None and duration_years > max_years:
        raise RuleViolation(
            f"{scheme['name']}の事業期間は最長{max_years}か年度です（申請: {duration_years}か年度）"
            f" — the scheme allows at most {max_years} years",
            rule="max_years",
            scheme=scheme["id"],
            max_years=max_years,
            requested_years=duration_years,
        )


def check_yearly_caps(scheme: Record, kind: str, funding: Sequence[Record]) -> None:
    """Each fiscal year's requested national funding must not exceed the cap for the applicant."""
    cap = _row_for(scheme.get("caps", []), kind)
    if cap is None:
        return  # the registry states no cap for this scheme and applicant (TYPE1–3)
    cap_yen = int(cap["yearly_cap_yen"])
    for year in funding:
        if year["amount_yen"] > cap_yen:
            raise RuleViolation(
                f"{year['fiscal_year']}年度の国費 {year['amount_yen']:,}円 が{scheme['name']}の"
                f"交付上限額 {oku(cap_yen)} を超えています — the yearly cap for a {kind} is "
                f"{cap_yen:,} yen",
                rule="yearly_cap",
                scheme=scheme["id"],
                applicant_kind=kind,
                cap_yen=cap_yen,
                requested_yen=year["amount_yen"],
                fiscal_year=year["fiscal_year"],
            )


def check_conditions(scheme: Record, conditions: Sequence[bool]) -> None:
    """Every 事業要件 of the scheme must be met (the four of Society5.0, say), in the registry's
    order."""
    required: list[str] = list(scheme.get("required_conditions") or [])
    if not required:
        return
    given = list(conditions) + [False] * (len(required) - len(conditions))
    missing = [text for text, met in zip(required, given, strict=False) if not met]
    if missing or len(conditions) != len(required):
        raise RuleViolation(
            f"{scheme['name']}の事業要件 {len(required)}項目のうち"
            f"{len(required) - len(missing)}項目しか満たしていません: {'、'.join(missing)}"
            f" — all {len(required)} conditions must be met, in the registry's order",
            rule="society5_conditions",
            scheme=scheme["id"],
            required=len(required),
            met=len(required) - len(missing),
            given=len(conditions),
            missing=missing,
        )


@dataclass(frozen=True)
class QuotaUse:
    """The applicant's new applications already counted in the scheme's quota group this year."""

    new: int
    wide_area: int


def check_quota(
    scheme: Record, *, kind: str, lg_code: str, fiscal_year: int, wide_area: bool, used: QuotaUse
) -> None:
    """申請上限件数: the new applications of one applicant in a fiscal year, with a wide-area
    sub-quota. Schemes outside the quota (Society5.0) are never checked nor counted."""
    if scheme.get("outside_quota") or not scheme.get("quota_group"):
        return
    quota = _row_for(scheme.get("quotas", []), kind)
    if quota is None:
        return
    numbers = {
        "scheme": scheme["id"],
        "quota_group": scheme["quota_group"],
        "applicant_kind": kind,
        "lg_code": lg_code,
        "fiscal_year": fiscal_year,
    }
    if used.new + 1 > quota["max_new"]:
        raise RuleViolation(
            f"{fiscal_year}年度の新規申請は{quota['max_new']}事業までです"
            f"（申請済み {used.new}事業）"
            f" — the {kind} quota of new applications is {quota['max_new']}",
            rule="new_application_quota",
            quota=quota["max_new"],
            existing=used.new,
            **numbers,
        )
    max_wide = quota.get("max_wide_area")
    if wide_area and max_wide is not None and used.wide_area + 1 > max_wide:
        raise RuleViolation(
            f"広域連携事業の新規申請は{max_wide}事業までです（申請済み {used.wide_area}事業）"
            f" — the {kind} quota of wide-area applications is {max_wide}",
            rule="wide_area_quota",
            quota=max_wide,
            existing=used.wide_area,
            **numbers,
        )
