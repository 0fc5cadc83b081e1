"""凡例 — a round's programmes as that year's tables print them.

A round copies each programme's legend from the registry's record (``GET /v1/programmes``) when it
is created or imported: the name the programme bore in the round's fiscal year (the registry's
fiscal-year row says so, else its current name), the ministry and bureau, and the note on earlier
names the published legend prints under the table. For the FY2021 table that reproduces the seed's
legend: □ 総務省「データ連携促進型スマートシティ推進事業」 with ※1 令和2年度までの施策名は
「データ利活用型スマートシティ推進事業」, ● with ※2 令和元年度の施策名は
「新モビリティサービス推進事業」.
"""

from __future__ import annotations

from libs.common.fiscal_year import fiscal_year_label
from services.review.joint_review.models import JointRoundProgramme
from services.review.joint_review.registry import Record


def _named_years(programme: Record) -> list[tuple[int, str]]:
    """(fiscal year, the name that year) of every year the registry has a row for, in order."""
    current: str = programme["name"]
    return sorted(
        (int(row["fiscal_year"]), row.get("name") or current)
        for row in programme.get("fiscal_years", [])
    )


def name_in(programme: Record, fiscal_year: int) -> str:
    """The programme's name in ``fiscal_year``; its current name for a year the registry has no
    row for (a new round's year, before the registry records it)."""
    name: str = dict(_named_years(programme)).get(fiscal_year) or programme["name"]
    return name


def earlier_names_note(programme: Record, fiscal_year: int) -> str:
    """The legend's note on the names before ``fiscal_year`` that differ from that year's:
    「令和2年度までの施策名は「…」」 for a name used from the first recorded year, 「令和元年度の
    施策名は「…」」 for one year, 「…から…までの」 otherwise; "" when the name never changed."""
    years = [(fy, name) for fy, name in _named_years(programme) if fy < fiscal_year]
    if not years:
        return ""
    runs: list[tuple[str, int, int]] = []  # (name, first year, last year) of consecutive rows
    for fy, name in years:
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1], fy)
        else:
            runs.append((name, fy, fy))
    this_year, first = name_in(programme, fiscal_year), years[0][0]
    notes = []
    for name, start, end in runs:
        if name == this_year:
            continue
        if start == end:
            when = f"{fiscal_year_label(start)}の"
        elif start == first:
            when = f"{fiscal_year_label(end)}までの"
        else:
            when = f"{fiscal_year_label(start)}から{fiscal_year_label(end)}までの"
        notes.append(f"{when}施策名は「{name}」")
    return "、".join(notes)


def round_programme(
    programme: Record,
    fiscal_year: int,
    *,
    position: int,
    quota: int | None = None,
    budget_yen: int | None = None,
) -> JointRoundProgramme:
    """A participating programme with the legend of ``fiscal_year``."""
    return JointRoundProgramme(
        programme_id=programme["id"],
        mark=programme["mark"],
        name=name_in(programme, fiscal_year),
        ministry=programme.get("ministry", ""),
        bureau=programme.get("bureau", ""),
        name_note=earlier_names_note(programme, fiscal_year),
        position=position,
        quota=quota,
        budget_yen=budget_yen,
    )
