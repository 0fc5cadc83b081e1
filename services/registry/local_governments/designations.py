"""指定（政令指定都市・中核市・中枢中核都市）as of a date: applying an official list, and its CSV.

政令指定都市 follows from the code (``kind``); 中核市 and 中枢中核都市 are stored with the date of
the list they come from (基準日) and the list's name (出典). A list is applied row by row through
:func:`apply_designations` — the seed and the import alike, each change audited — and the newest
list wins: a row whose 基準日 is older than the stored one is kept as stored (``kept_newer``), so
importing last year's file, or re-running the seed, never undoes a newer list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.lg_code import LocalGovernmentKind
from libs.common.spreadsheet import Table
from services.registry.audit.service import audited
from services.registry.local_governments import repository
from services.registry.local_governments.models import LocalGovernment
from services.registry.local_governments.schemas import (
    DesignationChangeOut,
    DesignationImportOut,
    Designations,
)
from services.registry.local_governments.service import snapshot

EXPORT_HEADERS = (
    "団体コード",
    "団体名",
    "政令指定都市",
    "中核市",
    "中枢中核都市",
    "基準日",
    "出典",
)
MARK = "○"  # what the official lists print for a designation


@dataclass(frozen=True)
class Designation:
    """A checked row of an official list: one local government's designations on ``as_of``."""

    code: str
    is_core_city: bool
    is_central_core_city: bool
    as_of: date
    source: str


def current(row: LocalGovernment) -> Designations:
    return Designations(
        is_core_city=row.is_core_city,
        is_central_core_city=row.is_central_core_city,
        as_of=row.designations_as_of,
        source=row.designations_source,
    )


def _wanted(designation: Designation) -> Designations:
    return Designations(
        is_core_city=designation.is_core_city,
        is_central_core_city=designation.is_central_core_city,
        as_of=designation.as_of,
        source=designation.source,
    )


async def _apply(
    session: AsyncSession, row: LocalGovernment, after: Designations, actor: Principal | str
) -> None:
    async with audited(
        session,
        row,
        actor=actor,
        action="local_government.designations_changed",
        subject_type="local_government",
        subject_id=row.code,
        snapshot=snapshot,
    ):
        row.is_core_city = after.is_core_city
        row.is_central_core_city = after.is_central_core_city
        row.designations_as_of = after.as_of
        row.designations_source = after.source


async def apply_designations(
    session: AsyncSession,
    designations: Sequence[Designation],
    *,
    actor: Principal | str,
    dry_run: bool = False,
) -> DesignationImportOut:
    """Apply each row to its (registered) local government; with ``dry_run`` only report."""
    rows = await repository.get_many(session, [d.code for d in designations])
    changes: list[DesignationChangeOut] = []
    kept: list[str] = []
    for designation in designations:
        row = rows[designation.code]
        before, after = current(row), _wanted(designation)
        if row.designations_as_of is not None and row.designations_as_of > designation.as_of:
            kept.append(row.code)
            continue
        if before == after:
            continue
        changes.append(
            DesignationChangeOut(code=row.code, name=row.name, before=before, after=after)
        )
        if not dry_run:
            await _apply(session, row, after, actor)
    return DesignationImportOut(
        dry_run=dry_run,
        changed=len(changes),
        unchanged=len(designations) - len(changes) - len(kept),
        kept_newer=len(kept),
        total=len(designations),
        changes=changes,
        kept_newer_codes=kept,
    )


async def export_table(session: AsyncSession) -> Table:
    """Every registered local government with its designations, in the import's layout: edit
    and import it back."""
    rows = await repository.all_rows(session)
    return Table(
        title="指定",
        headers=EXPORT_HEADERS,
        rows=[
            (
                row.code,
                row.name,
                MARK if row.kind == LocalGovernmentKind.DESIGNATED_CITY else "",
                MARK if row.is_core_city else "",
                MARK if row.is_central_core_city else "",
                row.designations_as_of,
                row.designations_source or "",
            )
            for row in rows
        ],
    )
