"""Rules of programmes and grant schemes: reading, the operator's PATCH, and idempotent saving.

Saving sets only the attributes that differ, so a repeated save (a second seed run) leaves rows
clean: no UPDATE, no version bump, no audit event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import FieldProblem, InvalidInput, NotFound
from libs.common.etag import check_if_match, etag_for
from libs.common.programmes import normalise_reference, resolve_programme
from services.registry.audit.service import audited
from services.registry.programmes import repository
from services.registry.programmes.models import (
    GrantScheme,
    GrantSchemeCap,
    GrantSchemeQuota,
    Programme,
    ProgrammeFiscalYear,
)
from services.registry.programmes.schemas import (
    ProgrammeFiscalYearIn,
    ProgrammeUpdate,
    grant_scheme_out,
    programme_out,
)

FiscalYearValues = Mapping[int, Mapping[str, Any]]
"""Fiscal year → {budget_yen, budget_note, selection_count}."""


def programme_etag(programme: Programme) -> str:
    return etag_for("programme", programme.id, programme.version)


def grant_scheme_etag(scheme: GrantScheme) -> str:
    return etag_for("grant-scheme", scheme.id, scheme.version)


def assign(row: object, values: Mapping[str, Any]) -> bool:
    """Set the attributes of ``values`` that differ; True when any did."""
    changed = False
    for attribute, value in values.items():
        if getattr(row, attribute, None) != value:
            setattr(row, attribute, value)
            changed = True
    return changed


def _upsert_fiscal_years(programme: Programme, years: FiscalYearValues) -> bool:
    existing = {row.fiscal_year: row for row in programme.fiscal_years}
    changed = False
    for fiscal_year, values in years.items():
        row = existing.get(fiscal_year)
        if row is None:
            programme.fiscal_years.append(ProgrammeFiscalYear(fiscal_year=fiscal_year, **values))
            changed = True
        else:
            changed |= assign(row, values)
    return changed


async def get_programme(session: AsyncSession, programme_id: str) -> Programme:
    programme = await repository.get_programme(session, programme_id)
    if programme is None:
        raise NotFound(f"事業 {programme_id} はありません（no programme {programme_id}）")
    return programme


async def has_programmes(session: AsyncSession) -> bool:
    """Whether the registry holds any programme yet (an empty registry is seeded)."""
    return await repository.any_programme(session)


async def list_programmes(
    session: AsyncSession, *, mark: str | None, after: tuple[int, str] | None, limit: int
) -> list[Programme]:
    """In legend order (☆□○●■); ``mark`` read as people type it (〇 for ○)."""
    mark = normalise_reference(mark) if mark else None
    return await repository.list_programmes(session, mark=mark, after=after, limit=limit)


async def resolve_reference(
    session: AsyncSession, ref: str, field: str, *, rule: str = "unknown_programme"
) -> str:
    """The id of the programme ``ref`` names by id or mark (☆, ○, meti-maas …): the kernel's one
    parser (``libs.common.programmes``) over the registry's programmes; else a 422 naming
    ``field`` and ``rule``."""
    refs = await repository.references(session)
    refusal = "事業（programme）が見つかりません"
    return resolve_programme(ref, refs, field, rule=rule, refusal=refusal)


async def get_grant_scheme(session: AsyncSession, scheme_id: str) -> GrantScheme:
    scheme = await repository.get_grant_scheme(session, scheme_id)
    if scheme is None:
        raise NotFound(f"交付金タイプ {scheme_id} はありません（no grant scheme {scheme_id}）")
    return scheme


async def list_grant_schemes(
    session: AsyncSession, *, grant: str | None, after_id: str | None, limit: int
) -> list[GrantScheme]:
    return await repository.list_grant_schemes(session, grant=grant, after_id=after_id, limit=limit)


def _fiscal_year_values(items: Sequence[ProgrammeFiscalYearIn]) -> dict[int, dict[str, Any]]:
    years: dict[int, dict[str, Any]] = {}
    problems: list[FieldProblem] = []
    for index, item in enumerate(items):
        field = f"body.fiscal_years.{index}.fiscal_year"
        fiscal_year = item.fiscal_year
        if fiscal_year in years:
            problems.append(
                FieldProblem(
                    field=field,
                    rule="duplicate",
                    message=f"{fiscal_year}年度が重複しています（fiscal year given twice）",
                )
            )
        # A year's name changes only when sent (null: back to the current name).
        unsent = set() if "name" in item.model_fields_set else {"name"}
        years[fiscal_year] = item.model_dump(exclude={"fiscal_year", *unsent})
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems), errors=problems)
    return years


async def update_programme(
    session: AsyncSession,
    *,
    principal: Principal,
    programme_id: str,
    if_match: str | None,
    body: ProgrammeUpdate,
) -> Programme:
    programme = await get_programme(session, programme_id)
    check_if_match(if_match, programme_etag(programme))
    changes = body.model_dump(exclude_unset=True, exclude={"fiscal_years"})
    years = _fiscal_year_values(body.fiscal_years or [])
    await _save_programme(session, programme, actor=principal, fields=changes, fiscal_years=years)
    return programme


def _programme_snapshot(programme: Programme) -> dict[str, Any]:
    return programme_out(programme).model_dump(mode="json")


def _scheme_snapshot(scheme: GrantScheme) -> dict[str, Any]:
    return grant_scheme_out(scheme).model_dump(mode="json")


async def _save_programme(
    session: AsyncSession,
    programme: Programme,
    *,
    actor: Principal | str,
    fields: Mapping[str, Any],
    fiscal_years: FiscalYearValues,
) -> bool:
    # A change of the fiscal-year rows alone must still give the programme a new version (ETag).
    async with audited(
        session,
        programme,
        version_of=programme,
        actor=actor,
        action="programme.updated",
        subject_type="programme",
        snapshot=_programme_snapshot,
    ) as change:
        change.changed = assign(programme, fields) | _upsert_fiscal_years(programme, fiscal_years)
    return change.recorded


async def save_programme(
    session: AsyncSession,
    *,
    actor: Principal | str,
    programme_id: str,
    fields: Mapping[str, Any],
    fiscal_years: FiscalYearValues,
) -> bool:
    """Create or update a programme and upsert the fiscal years given; True when anything
    changed."""
    programme = await repository.get_programme(session, programme_id)
    if programme is not None:
        return await _save_programme(
            session, programme, actor=actor, fields=fields, fiscal_years=fiscal_years
        )
    programme = Programme(id=programme_id, fiscal_years=[], **fields)
    _upsert_fiscal_years(programme, fiscal_years)
    async with audited(
        session,
        programme,
        kind="created",
        actor=actor,
        action="programme.created",
        subject_type="programme",
        snapshot=_programme_snapshot,
    ):
        await repository.add(session, programme)
    return True


def _exact_rows(
    current: list[Any], wanted: Mapping[str, Mapping[str, Any]], make: type[Any]
) -> bool:
    """Make ``current`` (rows keyed by applicant_kind) hold exactly ``wanted``."""
    changed = False
    by_kind = {row.applicant_kind: row for row in current}
    for kind, row in by_kind.items():
        if kind not in wanted:
            current.remove(row)
            changed = True
    for kind, values in wanted.items():
        if kind in by_kind:
            changed |= assign(by_kind[kind], values)
        else:
            current.append(make(applicant_kind=kind, **values))
            changed = True
    return changed


async def save_grant_scheme(
    session: AsyncSession,
    *,
    actor: Principal | str,
    scheme_id: str,
    fields: Mapping[str, Any],
    caps: Mapping[str, Mapping[str, Any]],
    quotas: Mapping[str, Mapping[str, Any]],
) -> bool:
    """Create or update a scheme whose caps and quotas become exactly those given."""
    scheme = await repository.get_grant_scheme(session, scheme_id)
    created = scheme is None
    if scheme is None:
        scheme = GrantScheme(id=scheme_id, caps=[], quotas=[], **fields)
    async with audited(
        session,
        scheme,
        kind="created" if created else "updated",
        version_of=scheme,
        actor=actor,
        action="grant_scheme.created" if created else "grant_scheme.updated",
        subject_type="grant_scheme",
        snapshot=_scheme_snapshot,
    ) as change:
        changed = assign(scheme, fields)
        changed |= _exact_rows(scheme.caps, caps, GrantSchemeCap)
        changed |= _exact_rows(scheme.quotas, quotas, GrantSchemeQuota)
        change.changed = changed
        if created:
            await repository.add(session, scheme)
    return change.recorded
