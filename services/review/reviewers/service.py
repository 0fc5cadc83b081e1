"""Registering reviewers; conflicts of interest are judged in ``conflicts.py``."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import Conflict, InvalidInput, NotFound
from libs.common.etag import etag_for
from libs.common.fiscal_year import now_tokyo
from libs.common.search_text import normalise_search_key
from services.review.audit.service import audited
from services.review.registry_client import RegistryClient
from services.review.reviewers import repository
from services.review.reviewers.models import Reviewer
from services.review.reviewers.schemas import ReviewerCreate


def reviewer_etag(reviewer: Reviewer) -> str:
    # The subject is free text; a header holds only Latin-1 and no quotes or line breaks.
    return etag_for("reviewer", quote(reviewer.subject, safe=""), reviewer.version)


async def programme_id_of(registry: RegistryClient, given: str) -> str:
    """The registry programme ``given`` names, by id or by its mark (☆ □ ○ ● ■): the joint review
    and a reviewer's token name programmes by id, so a reviewer stored under a mark would be
    registered and yet see nothing."""
    programmes = await registry.programmes()
    for programme in programmes:
        if given in (programme["id"], programme.get("mark")):
            return str(programme["id"])
    known = ", ".join(f"{p['id']} ({p.get('mark')})" for p in programmes)
    raise InvalidInput.field(
        "body.programme",
        "unknown_programme",
        f"事業が見つかりません: {given}（no programme with this id or mark; known: {known}）",
    )


async def create_reviewer(
    session: AsyncSession, *, principal: Principal, data: ReviewerCreate, registry: RegistryClient
) -> Reviewer:
    if await repository.get(session, data.subject) is not None:
        raise Conflict(
            f"この審査員は登録済みです: {data.subject}（a reviewer with this subject exists）",
            subject=data.subject,
        )
    if data.programme is not None:
        data = data.model_copy(
            update={"programme": await programme_id_of(registry, data.programme)}
        )
    reviewer = Reviewer(
        subject=data.subject,
        name=data.name,
        email=data.email.strip(),
        organisation=data.organisation,
        organisation_key=normalise_search_key(data.organisation),
        lg_code=data.lg_code,
        programme=data.programme,
        created_at=now_tokyo(),
    )
    registration = data.model_dump()
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
