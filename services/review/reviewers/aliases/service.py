"""組織の別名 — the office's table of written forms and the organisations they are. Operators
keep it; every change is audited; the conflict check reads it on every judgement."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import InvalidInput, NotFound
from libs.common.etag import check_if_match, etag_for
from services.review.audit.service import audited
from services.review.reviewers.aliases import repository
from services.review.reviewers.aliases.schemas import AliasCreate, AliasUpdate
from services.review.reviewers.models import OrganisationAlias
from services.review.reviewers.organisations import written_key

# How far an alias is followed (as the conflict check does) when looking for a cycle.
_MAX_CHAIN = 50


def alias_etag(alias: OrganisationAlias) -> str:
    return etag_for("organisation-alias", alias.id, alias.version)


def _facts(alias: OrganisationAlias) -> dict[str, Any]:
    return {"written": alias.written, "canonical": alias.canonical, "note": alias.note}


async def _checked_canonical(session: AsyncSession, key: str, canonical: str, field: str) -> None:
    """The canonical name must be another organisation, and following it must not come back."""
    target = written_key(canonical)
    if not key or not target:
        raise InvalidInput.field(
            field,
            "empty_organisation",
            "団体名が空です（no organisation name is left once spaces and 法人格 are folded）",
        )
    aliases = await repository.alias_map(session)
    seen: set[str] = set()
    while target not in seen and len(seen) < _MAX_CHAIN:
        if target == key:
            raise InvalidInput.field(
                field,
                "alias_cycle",
                f"別名が循環します: {canonical}（the canonical name leads back to the written "
                "form）",
            )
        seen.add(target)
        if target not in aliases:
            return
        target = written_key(aliases[target])


async def create_alias(
    session: AsyncSession, *, principal: Principal, data: AliasCreate, now: datetime
) -> OrganisationAlias:
    key = written_key(data.written)
    await _checked_canonical(session, key, data.canonical, "body.canonical")
    alias = OrganisationAlias(
        id=uuid.uuid4(),
        written=data.written,
        written_key=key,
        canonical=data.canonical,
        note=data.note,
        created_by=principal.actor,
        created_at=now,
        updated_at=now,
    )
    async with audited(
        session,
        alias,
        kind="created",
        actor=principal,
        action="organisation_alias.created",
        subject_type="organisation_alias",
        snapshot=_facts,
    ):
        await repository.add(session, alias)
    return alias


async def get_alias(session: AsyncSession, alias_id: uuid.UUID) -> OrganisationAlias:
    alias = await repository.get(session, alias_id)
    if alias is None:
        raise NotFound(f"別名が見つかりません: {alias_id}（no such organisation alias）")
    return alias


async def update_alias(
    session: AsyncSession,
    *,
    principal: Principal,
    alias_id: uuid.UUID,
    data: AliasUpdate,
    if_match: str | None,
    now: datetime,
) -> OrganisationAlias:
    alias = await get_alias(session, alias_id)
    check_if_match(if_match, alias_etag(alias))
    if data.canonical is not None:
        await _checked_canonical(session, alias.written_key, data.canonical, "body.canonical")
    async with audited(
        session,
        alias,
        actor=principal,
        action="organisation_alias.updated",
        subject_type="organisation_alias",
        snapshot=_facts,
    ) as change:
        for name, value in data.model_dump(exclude_unset=True).items():
            setattr(alias, name, value)
        if change.before != _facts(alias):
            alias.updated_at = now
    return alias


async def remove_alias(
    session: AsyncSession, *, principal: Principal, alias_id: uuid.UUID, if_match: str | None
) -> None:
    alias = await get_alias(session, alias_id)
    check_if_match(if_match, alias_etag(alias))
    async with audited(
        session,
        alias,
        kind="removed",
        actor=principal,
        action="organisation_alias.removed",
        subject_type="organisation_alias",
        subject_id=alias.id,
        snapshot=_facts,
    ):
        await repository.remove(session, alias)


async def list_aliases(
    session: AsyncSession, *, after_key: str | None, limit: int
) -> list[OrganisationAlias]:
    return await repository.list_aliases(session, after_key=after_key, limit=limit)


async def alias_map(session: AsyncSession) -> dict[str, str]:
    """What the conflict check follows: written key → canonical name."""
    return await repository.alias_map(session)
