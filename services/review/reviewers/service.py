"""Registering reviewers; conflicts of interest are judged in ``conflicts.py``."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import Conflict, NotFound
from libs.common.etag import etag_for
from libs.common.fiscal_year import now_tokyo
from libs.common.programmes import resolve_programme
from libs.common.search_text import normalise_search_key
from services.review.audit.service import audited
from services.review.registry_client import RegistryClient
from services.review.reviewers import repository
from services.review.reviewers.models import Reviewer
from services.review.reviewers.schemas import ReviewerCreate


def reviewer_etag(reviewer: Reviewer) -> str:
    # The subject is free text; a header holds only Latin-1 and no quotes or line breaks.
    return etag_for("reviewer", quote(reviewer.subject, safe=""), reviewer.version)


async def programme_of(
    registry: RegistryClient, given: str, field: str = "body.programme"
) -> tuple[str, str | None]:
    """The registry programme ``given`` names, by id or by its mark (☆ □ ○ ● ■), as (id, mark):
    the joint review and a reviewer's token name programmes by id, so a reviewer stored under a
    mark would be registered and yet see nothing. Resolved once, here, by the kernel's one parser
    (``libs.common.programmes``); reads show both. Else a 422 naming ``field``."""
    programmes = await registry.programmes()
    marks = {str(p["id"]): p.get("mark") for p in programmes}
    programme_id = resolve_programme(given, [(i, m or "") for i, m in marks.items()], field)
    return programme_id, marks[programme_id]


async def create_reviewer(
    session: AsyncSession, *, principal: Principal, data: ReviewerCreate, registry: RegistryClient
) -> Reviewer:
    if await repository.get(session, data.subject) is not None:
        raise Conflict(
            f"この審査員は登録済みです: {data.subject}（a reviewer with this subject exists）",
            subject=data.subject,
        )
    mark = None
    if data.programme is not None:
        programme_id, mark = await programme_of(registry, data.programme)
        data = data.model_copy(update={"programme": programme_id})
    reviewer = Reviewer(
        subject=data.subject,
        name=data.name,
        email=data.email.strip(),
        organisation=data.organisation,
        organisation_key=normalise_search_key(data.organisation),
        lg_code=data.lg_code,
        programme=data.programme,
        programme_mark=mark,
        created_at=now_tokyo(),
    )
    registration = {**data.model_dump(), "programme_mark": mark}
    async with audited(
        session,
        reviewer,
        kind="created",
        actor=principal,
        action="reviewer.registered",
        subject_type="reviewer",
        subject_id=reviewer.subject,
        # The registration as asked (the programme resolved to its id, the address as given).
        snapshot=lambda _: registration,
    ):
        await repository.add(session, reviewer)
    return reviewer


async def get_reviewer(session: AsyncSession, subject: str) -> Reviewer:
    reviewer = await repository.get(session, subject)
    if reviewer is None:
        raise NotFound(f"審査員が見つかりません: {subject}（no reviewer with this subject）")
    return reviewer


async def list_reviewers(
    session: AsyncSession, *, programme: str | None, after_subject: str | None, limit: int
) -> list[Reviewer]:
    return await repository.list_reviewers(
        session, programme=programme, after_subject=after_subject, limit=limit
    )
