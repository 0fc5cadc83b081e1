"""選定結果 — per region: this round's programmes, earlier years' programmes, and whether it
collaborates across programmes.

A region collaborates (事業間連携) when two or more programmes select it in the round, or when any
programme selected it in an earlier fiscal year (DESIGN.md; this gives 42 of the 62 regions of the
FY2021 table). Earlier years come from earlier rounds stored here (imported tables included) and,
for ☆, from the registry's projects selected in earlier fiscal years. An imported round is the
published table itself: its rows are shown as published.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.fiscal_year import fiscal_year_label
from libs.common.programmes import in_legend_order, legend_key, marks_in_legend_order
from libs.common.search_text import normalise_search_key
from services.review.joint_review.models import JointApplication, JointReviewRound
from services.review.joint_review.registry import Record, projects
from services.review.joint_review.results import repository
from services.review.joint_review.results.schemas import (
    EarlierSelection,
    LegendEntry,
    ProgrammeTotal,
    RegionResult,
    ResultsOut,
    Totals,
)
from services.review.joint_review.results.table import collaborating
from services.review.joint_review.rounds.counts import Usage, programme_usage, selected_count
from services.review.joint_review.rounds.publication import FUTURE_TECH_MARK
from services.review.joint_review.rounds.service import get_round
from services.review.joint_review.visibility import is_published, require_results_visible
from services.review.registry_client import RegistryClient


def sort_marks(marks: Iterable[str]) -> str:
    """Distinct marks in the legend's order (the kernel's one key, ``libs.common.programmes``);
    a mark outside the legend goes last."""
    return marks_in_legend_order(set(marks))


@dataclass
class _Earlier:
    """Earlier selections indexed by lead code and by region key."""

    by_code: dict[str, list[EarlierSelection]] = field(default_factory=dict)
    by_key: dict[str, list[EarlierSelection]] = field(default_factory=dict)

    def add(self, selection: EarlierSelection, *, code: str | None, keys: Iterable[str]) -> None:
        if code:
            self.by_code.setdefault(code, []).append(selection)
        for key in keys:
            self.by_key.setdefault(key, []).append(selection)

    def of(self, application: JointApplication) -> list[EarlierSelection]:
        found = list(self.by_code.get(application.lead_lg_code, []))
        for key in application.region_keys:
            found += self.by_key.get(key, [])
        unique = {(e.mark, e.fiscal_year, e.source): e for e in found}
        return sorted(
            unique.values(), key=lambda e: (e.fiscal_year or 0, legend_key(e.mark), e.source)
        )


def _lead_keys(project: Record) -> tuple[str | None, list[str]]:
    lead = next((p for p in project.get("proposers", []) if p.get("is_lead")), None)
    if lead is None:
        return None, []
    name = lead["name"] if lead["name"] == lead["prefecture"] else lead["prefecture"] + lead["name"]
    return lead["lg_code"], [normalise_search_key(name)]


async def _earlier(session: AsyncSession, registry: RegistryClient, fiscal_year: int) -> _Earlier:
    earlier = _Earlier()
    for row in await repository.earlier_live_selections(session, fiscal_year):
        selection = EarlierSelection(mark=row.mark, fiscal_year=row.fiscal_year, source="round")
        earlier.add(selection, code=row.lead_lg_code, keys=row.region_keys)
    for row in await repository.earlier_imported_regions(session, fiscal_year):
        for mark in row.marks:
            earlier.add(
                EarlierSelection(mark=mark, fiscal_year=row.fiscal_year, source="round"),
                code=None,
                keys=[row.region_key],
            )
        for mark in row.earlier_marks:
            earlier.add(
                EarlierSelection(mark=mark, fiscal_year=None, source="published"),
                code=None,
                keys=[row.region_key],
            )
    for project in await projects(registry, programme=FUTURE_TECH_MARK):
        if project["selection_fiscal_year"] < fiscal_year:
            code, keys = _lead_keys(project)
            selection = EarlierSelection(
                mark=FUTURE_TECH_MARK,
                fiscal_year=project["selection_fiscal_year"],
                source="registry",
            )
            earlier.add(selection, code=code, keys=keys)
    return earlier


async def _live_regions(
    session: AsyncSession, registry: RegistryClient, round_: JointReviewRound
) -> list[RegionResult]:
    selected = await repository.selected_applications(session, round_.id)
    if not selected:
        return []
    earlier = await _earlier(session, registry, round_.fiscal_year)
    regions = []
    for item_no, (application, marks) in enumerate(selected, start=1):
        found = earlier.of(application)
        this_year, before = sort_marks(marks), sort_marks(e.mark for e in found)
        regions.append(
            RegionResult(
                item_no=item_no,
                region_label=application.region_label,
                lead_lg_code=application.lead_lg_code,
                lg_codes=application.lg_codes,
                application_id=application.id,
                marks=this_year,
                earlier_marks=before,
                earlier=found,
                collaborating=collaborating(this_year, before),
            )
        )
    return regions


async def _imported_regions(session: AsyncSession, round_: JointReviewRound) -> list[RegionResult]:
    return [
        RegionResult(
            item_no=row.item_no,
            region_label=row.region_label,
            lead_lg_code=None,
            lg_codes=[],
            application_id=None,
            marks=row.marks,
            earlier_marks=row.earlier_marks,
            earlier=[
                EarlierSelection(mark=m, fiscal_year=None, source="published")
                for m in row.earlier_marks
            ],
            collaborating=collaborating(row.marks, row.earlier_marks),
        )
        for row in await repository.imported_regions(session, round_.id)
    ]


def _totals(round_: JointReviewRound, regions: Sequence[RegionResult], usage: Usage) -> Totals:
    """Per programme, the round's own count (``rounds/counts.py``), so a round and its results
    never disagree."""
    return Totals(
        regions_selected=len(regions),
        collaborating=sum(1 for r in regions if r.collaborating),
        by_programme=[
            ProgrammeTotal(
                programme_id=p.programme_id,
                mark=p.mark,
                name=p.name,
                selected=selected_count(usage, p.programme_id),
            )
            for p in in_legend_order(round_.programmes, lambda p: p.mark)
        ],
    )


def legend(round_: JointReviewRound) -> list[LegendEntry]:
    """The round's legend in its order, notes numbered ※1, ※2 … as the published page does."""
    entries, notes = [], 0
    for p in in_legend_order(round_.programmes, lambda p: p.mark):
        notes += bool(p.name_note)
        entries.append(
            LegendEntry(
                mark=p.mark,
                programme_id=p.programme_id,
                name=p.name,
                ministry=p.ministry,
                bureau=p.bureau,
                label=f"{p.ministry}「{p.name}」" if p.ministry else p.name,
                footnote=f"※{notes}" if p.name_note else None,
                note=p.name_note,
            )
        )
    return entries


async def round_results(
    session: AsyncSession,
    *,
    registry: RegistryClient,
    round_: JointReviewRound,
    today: date | None = None,
) -> ResultsOut:
    if round_.imported:
        regions = await _imported_regions(session, round_)
    else:
        regions = await _live_regions(session, registry, round_)
    return ResultsOut(
        round_id=round_.id,
        fiscal_year=round_.fiscal_year,
        fiscal_year_label=fiscal_year_label(round_.fiscal_year),
        title=round_.title,
        published=is_published(round_, today),
        legend=legend(round_),
        totals=_totals(round_, regions, await programme_usage(session, round_)),
        regions=regions,
    )


async def visible_results(
    session: AsyncSession,
    *,
    registry: RegistryClient,
    principal: Principal,
    round_id: uuid.UUID,
    today: date,
) -> ResultsOut:
    """The round's results, or 404 while the embargo hides them from this caller."""
    round_ = await get_round(session, round_id=round_id)
    require_results_visible(principal, round_, today)
    return await round_results(session, registry=registry, round_=round_, today=today)


def region_rows(results: ResultsOut) -> list[list[Any]]:
    """The published table's rows: 項番, プロジェクト実施地域, 選定事業, 過年度選定."""
    return [[r.item_no, r.region_label, r.marks, r.earlier_marks] for r in results.regions]
