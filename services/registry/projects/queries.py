"""Read side of projects: list filters from query strings, pages and projects as documents
(straight from rows, no ORM objects nor response models), cohort statistics."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role
from libs.common.driver_reads import Reads
from libs.common.errors import InvalidInput
from libs.common.fiscal_year import (
    TOKYO,
    FiscalYearError,
    JapaneseDateError,
    fiscal_year_label,
    parse_fiscal_year,
    parse_japanese_date,
)
from libs.common.lg_code import PREFECTURES
from libs.common.search_text import normalise_search_key
from services.registry.figures import service as figures
from services.registry.figures.schemas import figure_view
from services.registry.projects import repository
from services.registry.projects.schemas import (
    CohortCount,
    ProjectOut,
    ProjectStats,
    StatusAsOf,
    parse_technology,
)
from services.registry.projects.service import (
    check_visible,
    not_found,
    project_etag,
    resolve_programme,
    status_as_of,
)


def parse_query_date(value: str | None, field: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return parse_japanese_date(value)
    except JapaneseDateError as exc:
        raise InvalidInput.field(field, "date", exc.message) from None


def _prefecture_code(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip()
    if text.isdigit() and text.zfill(2) in PREFECTURES:
        return text.zfill(2)
    for code, name in PREFECTURES.items():
        if text in (name, name[:-1]):
            return code
    raise InvalidInput.field(
        "query.prefecture",
        "unknown",
        f"都道府県が見つかりません: {value!r}（use a code 01–47 or a name such as 埼玉県）",
    )


async def parse_filters(
    session: AsyncSession,
    *,
    principal: Principal,
    fiscal_year: str | None = None,
    supported_as_of: str | None = None,
    technology: str | None = None,
    prefecture: str | None = None,
    programme: str | None = None,
    status: StatusAsOf | None = None,
    q: str | None = None,
) -> repository.ProjectFilters:
    """Query strings to filters; a municipality is always narrowed to its own projects."""
    fy: int | None = None
    if fiscal_year:
        try:
            fy = parse_fiscal_year(fiscal_year)
        except FiscalYearError as exc:
            raise InvalidInput.field("query.fiscal_year", "fiscal_year", exc.message) from None
    tech: str | None = None
    if technology:
        try:
            tech = str(parse_technology(technology))
        except ValueError as exc:
            raise InvalidInput.field("query.technology", "technology", str(exc)) from None
    return repository.ProjectFilters(
        fiscal_year=fy,
        supported_as_of=parse_query_date(supported_as_of, "query.supported_as_of"),
        technology=tech,
        prefecture_code=_prefecture_code(prefecture) if prefecture else None,
        programme_id=await resolve_programme(session, programme, "query.programme")
        if programme
        else None,
        status=status,
        search_key=normalise_search_key(q) if q else None,
        proposer_lg_code=principal.lg_code if principal.role is Role.municipality else None,
    )


_DOCUMENT_FIELDS = tuple(ProjectOut.model_fields)


def project_document(row: Any, day: date) -> dict[str, Any]:
    """A project exactly as ``ProjectOut`` serialises it, from a ``repository.READ_COLUMNS`` row
    (SQLAlchemy's): no model is validated, the stored values
    being valid already."""
    document = dict.fromkeys(_DOCUMENT_FIELDS)  # the response's field order
    document.update(zip(row._fields, row, strict=True))
    document.update(
        selection_fiscal_year_label=fiscal_year_label(row.selection_fiscal_year),
        as_of=day,
        status_as_of=status_as_of(row, day),
        created_at=row.created_at.astimezone(TOKYO),
        updated_at=row.updated_at.astimezone(TOKYO),
    )
    return document


async def list_documents(
    session: AsyncSession,
    *,
    filters: repository.ProjectFilters,
    after: list[Any] | None,
    limit: int,
    day: date,
) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """One page and the sort key to continue after, or ``None`` on the last page."""
    rows = await repository.read_rows(session, filters, after=after, limit=limit + 1)
    page = [project_document(row, day) for row in rows[:limit]]
    if len(rows) <= limit or not page:
        return page, None
    last = rows[limit - 1]
    return page, [last.selection_fiscal_year, last.title, str(last.id)]


async def document(
    reads: Reads, *, principal: Principal, project_id: uuid.UUID, day: date
) -> tuple[dict[str, Any], str]:
    """The project's document and ETag; 404 and 403 as ``service.load`` answers them."""
    row = await repository.read_row(reads, project_id)
    if row is None:
        raise not_found(project_id)
    check_visible(principal, (proposer["lg_code"] for proposer in row.proposers))
    return project_document(row, day), project_etag(row)


async def stats(session: AsyncSession, *, as_of: date) -> ProjectStats:
    """Counts of the stored rows on ``as_of``, and beside them, apart, what the sources publish
    (公表数値): the seed names 6 projects, publishes 38 — neither is made out of the other."""
    cohorts = await repository.count_supported_by_cohort(session, as_of)
    return ProjectStats(
        as_of=as_of,
        total=sum(count for _, count in cohorts),
        by_selection_fiscal_year=[
            CohortCount(fiscal_year=fy, fiscal_year_label=fiscal_year_label(fy), supported=count)
            for fy, count in cohorts
        ],
        published=[figure_view(f) for f in await figures.project_figures(session)],
    )
