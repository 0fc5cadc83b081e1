"""Rules of 地域実装協議会: one council per project, members by category and role, who may see
what."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role
from libs.common.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from libs.common.etag import check_if_match, etag_for
from libs.common.lg_code import LocalGovernmentCodeError, validate_lg_code
from libs.common.search_text import normalise_search_key
from services.registry.audit.service import audited
from services.registry.councils import repository
from services.registry.councils.models import MEMBER_AFTER, Council, CouncilMember
from services.registry.councils.schemas import (
    CouncilCreate,
    CouncilUpdate,
    MemberCreate,
    MemberUpdate,
)


def council_etag(council: Council) -> str:
    return etag_for("council", council.id, council.version)


def member_etag(member: CouncilMember) -> str:
    return etag_for("council-member", member.id, member.version)


async def known_lg_code(session: AsyncSession, code: str, field: str) -> str:
    """A valid code of a registered local government, normalised; 422 naming ``field`` if not."""
    try:
        normalised = validate_lg_code(code)
    except LocalGovernmentCodeError as err:
        extra: dict[str, Any] = {}
        if err.expected_check_digit is not None:
            extra["expected_check_digit"] = err.expected_check_digit
        raise InvalidInput.field(field, err.rule, err.message, **extra) from err
    if not await repository.local_government_exists(session, normalised):
        raise InvalidInput.field(
            field,
            "unknown",
            f"登録されていない地方公共団体コードです: {normalised}（no such local government）",
        )
    return normalised


async def _ensure_access(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID
) -> None:
    """A municipality reaches only the councils of projects its local government proposes."""
    if principal.role is not Role.municipality:
        return
    if principal.lg_code and await repository.is_proposer(session, project_id, principal.lg_code):
        return
    raise Forbidden(
        "この協議会は貴団体の事業のものではありません"
        "（the council belongs to a project your local government does not propose）"
    )


async def _council(session: AsyncSession, principal: Principal, council_id: uuid.UUID) -> Council:
    council = await repository.get(session, council_id)
    if council is None:
        raise NotFound(f"協議会が見つかりません（no council {council_id}）")
    await _ensure_access(session, principal, council.project_id)
    return council


def _member(council: Council, member_id: uuid.UUID) -> CouncilMember:
    for member in council.members:
        if member.id == member_id:
            return member
    raise NotFound(f"構成員が見つかりません（no member {member_id} in council {council.id}）")


def council_snapshot(council: Council) -> dict[str, Any]:
    return {"name": council.name, "members": [member_snapshot(m) for m in council.members]}


def member_snapshot(member: CouncilMember) -> dict[str, Any]:
    return {name: getattr(member, name) for name in MEMBER_AFTER}


async def create_council(
    session: AsyncSession,
    *,
    principal: Principal | str,
    project_id: uuid.UUID,
    data: CouncilCreate,
) -> Council:
    if not await repository.project_exists(session, project_id):
        raise NotFound(f"事業が見つかりません（no project {project_id}）")
    if await repository.get_for_project(session, project_id) is not None:
        raise Conflict(
            "この事業には既に協議会があります（the project already has a council）",
            project_id=str(project_id),
        )
    council = Council(project_id=project_id, name=data.name, members=[])
    async with audited(
        session,
        council,
        kind="created",
        actor=principal,
        action="council.created",
        subject_type="council",
        snapshot=council_snapshot,
    ):
        await repository.add_council(session, council)
    return council


async def find_project_council(
    session: AsyncSession, *, project_title: str
) -> tuple[uuid.UUID | None, Council | None]:
    """The project of this title and its council, each None when absent (the seed looks up)."""
    project_id = await repository.project_id_by_title(session, project_title)
    if project_id is None:
        return None, None
    return project_id, await repository.get_for_project(session, project_id)


async def registered_lg_codes(session: AsyncSession, codes: Iterable[str]) -> set[str]:
    """Those of ``codes`` whose local government is registered (a member's code needs one)."""
    return {code for code in codes if await repository.local_government_exists(session, code)}


async def get_council(
    session: AsyncSession, *, principal: Principal, council_id: uuid.UUID
) -> Council:
    return await _council(session, principal, council_id)


async def get_project_council(
    session: AsyncSession, *, principal: Principal, project_id: uuid.UUID
) -> Council:
    if not await repository.project_exists(session, project_id):
        raise NotFound(f"事業が見つかりません（no project {project_id}）")
    await _ensure_access(session, principal, project_id)
    council = await repository.get_for_project(session, project_id)
    if council is None:
        raise NotFound(f"この事業には協議会がありません（project {project_id} has no council）")
    return council


async def get_member(
    session: AsyncSession, *, principal: Principal, council_id: uuid.UUID, member_id: uuid.UUID
) -> CouncilMember:
    return _member(await _council(session, principal, council_id), member_id)


async def list_councils(
    session: AsyncSession,
    *,
    principal: Principal,
    organisation: str | None,
    project_id: uuid.UUID | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> list[Council]:
    return await repository.list_councils(
        session,
        organisation_key=normalise_search_key(organisation) if organisation else None,
        project_id=project_id,
        proposer_lg_code=principal.lg_code if principal.role is Role.municipality else None,
        after_id=after_id,
        limit=limit,
    )


async def update_council(
    session: AsyncSession,
    *,
    principal: Principal,
    council_id: uuid.UUID,
    data: CouncilUpdate,
    if_match: str | None,
) -> Council:
    council = await _council(session, principal, council_id)
    check_if_match(if_match, council_etag(council))
    if data.name is None or data.name == council.name:
        return council
    async with audited(
        session,
        council,
        actor=principal,
        action="council.updated",
        subject_type="council",
        snapshot=council_snapshot,
    ):
        council.name = data.name
    return council


async def _normalised_member_fields(
    session: AsyncSession, fields: dict[str, Any]
) -> dict[str, Any]:
    """Normalise ``lg_code`` (422 unless a registered local government's, and only for a local
    government member) and derive the organisation key."""
    if fields.get("lg_code") is not None:
        if fields["category"] != "local_government":
            raise InvalidInput.field(
                "body.lg_code",
                "category",
                "地方公共団体コードは category が local_government の構成員にだけ指定できます"
                "（lg_code is only for local_government members）",
            )
        fields["lg_code"] = await known_lg_code(session, fields["lg_code"], "body.lg_code")
    fields["organisation_key"] = normalise_search_key(fields["organisation"])
    return fields


def _duplicate(organisation: str, member_id: uuid.UUID | None) -> Conflict:
    message = (
        f"この団体は既に構成員です: {organisation}"
        "（the organisation is already a member of this council）"
    )
    # A member being added with this one has no id yet.
    extra: dict[str, Any] = {"member_id": str(member_id)} if member_id else {}
    return Conflict(
        message,
        errors=[FieldProblem(field="body.organisation", rule="unique", message=message)],
        **extra,
    )


async def _checked_member_fields(
    session: AsyncSession, council: Council, fields: dict[str, Any], member_id: uuid.UUID
) -> dict[str, Any]:
    """The fields of a changed member, normalised; 409 when another member of the council (as
    loaded) has its organisation."""
    fields = await _normalised_member_fields(session, fields)
    for other in council.members:
        if other.id != member_id and other.organisation_key == fields["organisation_key"]:
            raise _duplicate(other.organisation, other.id)
    return fields


async def add_member(
    session: AsyncSession,
    *,
    principal: Principal,
    council_id: uuid.UUID,
    data: MemberCreate,
) -> CouncilMember:
    [member] = await add_members(session, actor=principal, council_id=council_id, members=[data])
    return member


async def add_members(
    session: AsyncSession,
    *,
    actor: Principal | str,
    council_id: uuid.UUID,
    members: Sequence[MemberCreate],
) -> list[CouncilMember]:
    """Append members in this order with one version step of the council; one event each.

    The step comes first and locks the council's row, so the duplicate check and the positions
    hold until the commit; no member is loaded. A caller's token (not the system's own actor)
    reaches only the councils it may."""
    if not members:
        return []
    project_id = await repository.step_for_members(session, council_id)
    if project_id is None:
        raise NotFound(f"協議会が見つかりません（no council {council_id}）")
    if isinstance(actor, Principal):
        await _ensure_access(session, actor, project_id)
    added = [await _normalised_member_fields(session, data.model_dump()) for data in members]
    first: dict[str, str] = {}  # of the members being added: key -> organisation
    for fields in added:
        if fields["organisation_key"] in first:
            raise _duplicate(first[fields["organisation_key"]], None)
        first[fields["organisation_key"]] = fields["organisation"]
    rows = []
    for fields in added:
        row = {**fields, "id": uuid.uuid4(), "council_id": council_id, "version": 1}
        # Written with its event (the position is the INSERT's): council.member_added.
        row["position"] = await repository.append_member(session, council_id, row, actor)
        if row["position"] is None:
            member_id, organisation = await repository.holder(
                session, council_id, row["organisation_key"]
            )
            raise _duplicate(organisation, member_id)
        rows.append(row)
    return [CouncilMember(**row) for row in rows]


async def update_member(
    session: AsyncSession,
    *,
    principal: Principal,
    council_id: uuid.UUID,
    member_id: uuid.UUID,
    data: MemberUpdate,
    if_match: str | None,
) -> CouncilMember:
    council = await _council(session, principal, council_id)
    member = _member(council, member_id)
    check_if_match(if_match, member_etag(member))
    changes = data.model_dump(exclude_unset=True)
    return await revise_member(
        session, actor=principal, council=council, member=member, changes=changes
    )


async def revise_member(
    session: AsyncSession,
    *,
    actor: Principal | str,
    council: Council,
    member: CouncilMember,
    changes: Mapping[str, Any],
) -> CouncilMember:
    """Apply ``changes`` by the rules of a PATCH; a real change steps the council's version too
    (its ETag covers the members it shows)."""
    merged = {**member_snapshot(member), **changes}
    fields = await _checked_member_fields(session, council, merged, member.id)
    async with audited(
        session,
        member,
        version_of=council,
        actor=actor,
        action="council.member_updated",
        subject_type="council_member",
        snapshot=member_snapshot,
    ):
        for key, value in fields.items():
            if getattr(member, key) != value:
                setattr(member, key, value)
    return member


async def remove_member(
    session: AsyncSession,
    *,
    principal: Principal,
    council_id: uuid.UUID,
    member_id: uuid.UUID,
    if_match: str | None,
) -> None:
    council = await _council(session, principal, council_id)
    member = _member(council, member_id)
    check_if_match(if_match, member_etag(member))
    async with audited(
        session,
        member,
        kind="removed",
        actor=principal,
        action="council.member_removed",
        subject_type="council_member",
        subject_id=member_id,
        snapshot=member_snapshot,
    ) as change:
        change.before_note = {"council_id": str(council.id)}
        await repository.remove_member(session, council, member)
