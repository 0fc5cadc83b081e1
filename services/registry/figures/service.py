"""Rules of published figures: a stable key each, every change audited, read by all who read stats.

A published figure is what a source states (value, the date it states it as of, where) and is
never counted from rows; the projects' stats serve both side by side (docs/registry.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import Conflict, FieldProblem, InvalidInput, NotFound
from libs.common.etag import check_if_match, etag_for
from libs.common.fiscal_year import FiscalYearError, parse_fiscal_year
from services.registry.audit.service import audited
from services.registry.figures import repository
from services.registry.figures.models import PublishedFigure
from services.registry.figures.schemas import (
    FigureTopic,
    PublishedFigureCreate,
    PublishedFigureUpdate,
)

# What the projects' stats serve beside their counts.
PROJECT_TOPICS = (FigureTopic.projects, FigureTopic.society5)


def etag(figure: PublishedFigure) -> str:
    return etag_for("published-figure", figure.id, figure.version)


def snapshot(figure: PublishedFigure) -> dict[str, Any]:
    return {
        "key": figure.key,
        "topic": figure.topic,
        "label": figure.label,
        "label_en": figure.label_en,
        "value": figure.value,
        "unit": figure.unit,
        "fiscal_year": figure.fiscal_year,
        "cohort_fiscal_year": figure.cohort_fiscal_year,
        "as_of": figure.as_of.isoformat(),
        "as_of_note": figure.as_of_note,
        "source": figure.source,
        "source_section": figure.source_section,
        "source_text": figure.source_text,
        "derivation": figure.derivation,
    }


def _key_taken(key: str, holder: uuid.UUID | None = None) -> Conflict:
    message = f"キー {key} の公表数値は既に登録されています（key already registered）"
    extra: dict[str, Any] = {"figure_id": str(holder)} if holder else {}
    return Conflict(
        message, errors=[FieldProblem(field="body.key", rule="unique", message=message)], **extra
    )


async def get_figure(session: AsyncSession, *, figure_id: uuid.UUID) -> PublishedFigure:
    figure = await repository.get(session, figure_id)
    if figure is None:
        raise NotFound(f"公表数値が見つかりません（no published figure {figure_id}）")
    return figure


async def find_by_key(session: AsyncSession, key: str) -> PublishedFigure | None:
    return await repository.get_by_key(session, key)


async def list_figures(
    session: AsyncSession,
    *,
    topics: Collection[str] | None = None,
    fiscal_year: str | None = None,
    after_key: str | None = None,
    limit: int = 200,
) -> list[PublishedFigure]:
    year = None
    if fiscal_year:
        try:
            year = parse_fiscal_year(fiscal_year)
        except FiscalYearError as exc:
            raise InvalidInput.field("query.fiscal_year", "fiscal_year", exc.message) from None
    return await repository.list_page(
        session, topics=topics, fiscal_year=year, after_key=after_key, limit=limit
    )


async def project_figures(session: AsyncSession) -> list[PublishedFigure]:
    """Every published figure the projects' stats serve (a handful: one page, by key)."""
    return await repository.list_page(
        session, topics=PROJECT_TOPICS, fiscal_year=None, after_key=None, limit=1000
    )


async def create_figure(
    session: AsyncSession, *, actor: Principal | str, data: PublishedFigureCreate
) -> PublishedFigure:
    """The one way a figure enters the registry (the API and the seed): key unique, audited."""
    held = await repository.get_by_key(session, data.key)
    if held is not None:
        raise _key_taken(data.key, held.id)
    figure = PublishedFigure(**data.model_dump())
    figure.topic = str(data.topic)
    async with audited(
        session,
        figure,
        kind="created",
        actor=actor,
        action="published_figure.created",
        subject_type="published_figure",
        snapshot=snapshot,
    ):
        try:
            await repository.insert(session, figure)
        except repository.KeyTaken as exc:
            raise _key_taken(data.key) from exc
    return figure


async def update_figure(
    session: AsyncSession,
    *,
    actor: Principal,
    figure_id: uuid.UUID,
    data: PublishedFigureUpdate,
    if_match: str | None,
) -> PublishedFigure:
    """A correction by an operator (If-Match), with before and after in the audit trail."""
    figure = await get_figure(session, figure_id=figure_id)
    check_if_match(if_match, etag(figure))
    changes = data.model_dump(exclude_unset=True)
    if "topic" in changes:
        changes["topic"] = str(changes["topic"])
    async with audited(
        session,
        figure,
        actor=actor,
        action="published_figure.updated",
        subject_type="published_figure",
        snapshot=snapshot,
        save=lambda: repository.flush_and_reload(session, figure),
    ):
        for name, value in changes.items():
            if getattr(figure, name) != value:
                setattr(figure, name, value)
    return figure
