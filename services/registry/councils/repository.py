"""All SQL of councils and their members."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    exists,
    false,
    func,
    insert,
    literal,
    literal_column,
    not_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.util import identity_key

from libs.common.audit import note_events
from libs.common.auth import Principal
from services.registry.audit.service import trail
from services.registry.councils.models import MEMBER_AFTER, Council, CouncilMember
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
_OF_COUNCIL = _MEMBERS.c.council_id == bindparam("council_id")
_HOLDS_KEY = _MEMBERS.c.organisation_key == bindparam("organisation_key")
_GIVEN = ("id", "organisation", "organisation_key", "category", "role", "lg_code")
# A member appended after the council's last unless one of them holds its organisation key, in
# one pass over the council's members; no row when the key is taken. (The caller holds the
# council's row, so no other request adds a member meanwhile.) Its audit event is written by the
# same statement, with the position only the INSERT knows: the after ``member_added`` records.
_ADDED = (
    insert(_MEMBERS)
    .from_select(
        ["council_id", *_GIVEN, "position", "version"],
        select(
            bindparam("council_id", type_=_MEMBERS.c.council_id.type),
            *(bindparam(f"new_{name}", type_=_MEMBERS.c[name].type) for name in _GIVEN),
            func.coalesce(func.max(_MEMBERS.c.position), -1) + 1,
            literal(1),
        )
        .where(_OF_COUNCIL)
        .having(not_(func.coalesce(func.bool_or(_HOLDS_KEY), false()))),
    )
    .returning(*(_MEMBERS.c[name] for name in ("id", "council_id", *MEMBER_AFTER)))
    .cte("added")
)
_EVENT = trail.insert_from(
    _ADDED,
    action="council.member_added",
    subject_type="council_member",
    subject_id=_ADDED.c.id,
    after=func.jsonb_build_object(
        literal_column("'council_id'"),
        _ADDED.c.council_id,
        *(part for name in MEMBER_AFTER for part in (literal_column(f"'{name}'"), _ADDED.c[name])),
    ),
).cte("event")
_APPEND = select(_ADDED.c.position).add_cte(_EVENT)
_HOLDER = (
    select(_MEMBERS.c.id, _MEMBERS.c.organisation)
    .where(_OF_COUNCIL, _HOLDS_KEY)
    .order_by(_MEMBERS.c.position)
    .limit(1)
)


async def step_for_members(session: AsyncSession, council_id: uuid.UUID) -> uuid.UUID | None:
    """Step the council's version and lock its row for the members to add; its project, or
    None when there is no such council. A council the session holds is expired: its version and
    members moved under it."""
    project_id = await session.scalar(_STEP, {"council_id": council_id})
    held = session.identity_map.get(identity_key(Council, council_id))
    if held is not None:
        session.expire(held)
    return project_id


async def append_member(
    session: AsyncSession, council_id: uuid.UUID, fields: dict[str, Any], actor: Principal | str
) -> int | None:
    """Insert the member (``fields``: its id and given columns) after the council's last, and its
    ``council.member_added`` event by ``actor``; its position, or None when a member already
    holds its organisation key (nothing written)."""
    values = {f"new_{name}": fields[name] for name in _GIVEN}
    params = {**values, "council_id": council_id, "organisation_key": fields["organisation_key"]}
    position: int | None = await session.scalar(_APPEND, {**params, **trail.event_params(actor)})
    if position is not None:
        note_events(session, 1)
    return position


async def holder(
    session: AsyncSession, council_id: uuid.UUID, organisation_key: str
) -> tuple[uuid.UUID, str]:
    """The member (id, organisation) of the council holding ``organisation_key`` (there is one
    when ``append_member`` wrote nothing)."""
    params = {"council_id": council_id, "organisation_key": organisation_key}
    row = (await session.execute(_HOLDER, params)).one()
    return row.id, row.organisation


async def remove_member(session: AsyncSession, council: Council, member: CouncilMember) -> None:
    council.members.remove(member)
    await save(session, council)
