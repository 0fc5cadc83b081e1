"""All SQL of councils and their members."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import ARRAY, String, Table, any_, bindparam, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.util import identity_key

from services.registry.councils.models import Council, CouncilMember
from services.registry.local_governments.models import LocalGovernment
from services.registry.projects.models import Project, ProjectProposer


async def project_exists(session: AsyncSession, project_id: uuid.UUID) -> bool:
    return bool(await session.scalar(select(exists().where(Project.id == project_id))))


async def is_proposer(session: AsyncSession, project_id: uuid.UUID, lg_code: str) -> bool:
    """Whether ``lg_code`` proposes the project, i.e. the project belongs to that municipality."""
    query = exists().where(
        ProjectProposer.project_id == project_id, ProjectProposer.lg_code == lg_code
    )
    return bool(await session.scalar(select(query)))


async def project_id_by_title(session: AsyncSession, title: str) -> uuid.UUID | None:
    return await session.scalar(select(Project.id).where(Project.title == title).limit(1))


async def local_government_exists(session: AsyncSession, code: str) -> bool:
    return bool(await session.scalar(select(exists().where(LocalGovernment.code == code))))


# Built once (see services/registry/projects/repository.py's _READ_ONE).
_GET = (
    select(Council)
    .where(Council.id == bindparam("council_id"))
    .options(selectinload(Council.members))
)


async def get(session: AsyncSession, council_id: uuid.UUID) -> Council | None:
    return await session.scalar(_GET, {"council_id": council_id})


async def get_for_project(session: AsyncSession, project_id: uuid.UUID) -> Council | None:
    query = (
        select(Council)
        .where(Council.project_id == project_id)
        .options(selectinload(Council.members))
    )
    return await session.scalar(query)


async def list_councils(
    session: AsyncSession,
    *,
    organisation_key: str | None,
    project_id: uuid.UUID | None,
    proposer_lg_code: str | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> list[Council]:
    query = select(Council).options(selectinload(Council.members)).order_by(Council.id).limit(limit)
    if organisation_key:
        query = query.where(
            exists().where(
                CouncilMember.council_id == Council.id,
                CouncilMember.organisation_key == organisation_key,
            )
        )
    if project_id is not None:
        query = query.where(Council.project_id == project_id)
    if proposer_lg_code is not None:
        query = query.where(
            exists().where(
                ProjectProposer.project_id == Council.project_id,
                ProjectProposer.lg_code == proposer_lg_code,
            )
        )
    if after_id is not None:
        query = query.where(Council.id > after_id)
    return list((await session.scalars(query)).all())


async def add_council(session: AsyncSession, council: Council) -> None:
    session.add(council)
    await session.flush()


async def save(session: AsyncSession, council: Council) -> None:
    """Flush a change of the council or of its members.

    A member change also raises the council's version: the council's ETag covers the members it
    shows, so a client holding an older read of the council cannot overwrite on top of it.
    """
    flag_modified(council, "name")
    await session.flush()


_COUNCILS = cast(Table, Council.__table__)
# The version step of a member added: it locks the council's row, so adders of one council take
# turns and each sees the members the one before it added (duplicates, positions). Core, not an
# ORM-enabled UPDATE (three times the CPU, to synchronise objects a request does not hold).
_STEP = (
    update(_COUNCILS)
    .where(_COUNCILS.c.id == bindparam("council_id"))
    .values(version=_COUNCILS.c.version + 1)
    .returning(_COUNCILS.c.project_id)
)

_MEMBERS = cast(Table, CouncilMember.__table__)
_NAMED = _MEMBERS.c.organisation_key == any_(bindparam("keys", type_=ARRAY(String)))
# The next position and the members already holding one of the keys, in one pass over the
# council's members and without loading one of them.
_PLACES = select(
    func.coalesce(func.max(_MEMBERS.c.position), -1) + 1,
    func.array_agg(aggregate_order_by(_MEMBERS.c.id, _MEMBERS.c.position)).filter(_NAMED),
    func.array_agg(aggregate_order_by(_MEMBERS.c.organisation, _MEMBERS.c.position)).filter(_NAMED),
).where(_MEMBERS.c.council_id == bindparam("council_id"))
_INSERT_MEMBER = insert(_MEMBERS)


async def step_for_members(session: AsyncSession, council_id: uuid.UUID) -> uuid.UUID | None:
    """Step the council's version and lock its row for the members to add; its project, or
    None when there is no such council. A council the session holds is expired: its version and
    members moved under it."""
    project_id = await session.scalar(_STEP, {"council_id": council_id})
    held = session.identity_map.get(identity_key(Council, council_id))
    if held is not None:
        session.expire(held)
    return project_id


async def places(
    session: AsyncSession, council_id: uuid.UUID, keys: list[str]
) -> tuple[int, tuple[uuid.UUID, str] | None]:
    """The next free position, and the first member (id, organisation) holding one of ``keys``."""
    result = await session.execute(_PLACES, {"council_id": council_id, "keys": keys})
    position, ids, organisations = result.one()
    return position, (ids[0], organisations[0]) if ids else None


async def insert_members(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Member rows as they are (the caller chose ids and positions): nothing to load back."""
    await session.execute(_INSERT_MEMBER, rows)


async def remove_member(session: AsyncSession, council: Council, member: CouncilMember) -> None:
    council.members.remove(member)
    await save(session, council)
