"""All SQL of councils and their members."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

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


async def add_members(
    session: AsyncSession, council: Council, members: list[CouncilMember]
) -> None:
    """Append members after the existing ones, in the given order, with one version step."""
    for member in members:
        member.position = max((m.position for m in council.members), default=-1) + 1
        council.members.append(member)
    await save(session, council)


async def remove_member(session: AsyncSession, council: Council, member: CouncilMember) -> None:
    council.members.remove(member)
    await save(session, council)
