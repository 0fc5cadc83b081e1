"""Rules of symposia: JST times inside their fiscal year, the ICS sequence, the audience policy."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role
from libs.common.errors import Conflict, InvalidInput, NotFound
from libs.common.etag import check_if_match, representation_etag
from libs.common.fiscal_year import (
    TOKYO,
    FiscalYearError,
    fiscal_year_label,
    fiscal_year_of,
    now_tokyo,
    parse_fiscal_year,
)
from services.registry.audit.service import audited, record_many
from services.registry.contacts.models import Contact
from services.registry.symposia import repository
from services.registry.symposia.models import Symposium
from services.registry.symposia.schemas import (
    Cancellation,
    SymposiumCreate,
    SymposiumOut,
    SymposiumPublicOut,
    SymposiumUpdate,
    full_view,
    public_view,
)
from services.registry.symposia.states import SYMPOSIUM, SymposiumEvent, SymposiumState

# A change of any of these changes the calendar event, so invitees' calendars must update.
CALENDAR_FIELDS = ("starts_at", "ends_at", "format", "join_url", "venue")


# The join URL admits anyone who has it: operators run the symposium and notify (the service
# token) mails it to the invited; everyone else reads the public record, where it is absent.
SEES_JOIN_URL = frozenset({Role.operator, Role.service})


def present(symposium: Symposium, principal: Principal) -> SymposiumOut | SymposiumPublicOut:
    """The full record for operators and services; for the other roles the public one (no join
    URL: an invitee finds it in the invitation mail and its calendar entry)."""
    return full_view(symposium) if principal.role in SEES_JOIN_URL else public_view(symposium)


def symposium_etag(symposium: Symposium, principal: Principal) -> str:
    """The ETag of the representation ``principal`` receives (see libs/common/etag.py)."""
    return representation_etag("symposium", symposium.id, present(symposium, principal))


def checked_fiscal_year(value: int | str, field: str) -> int:
    try:
        return parse_fiscal_year(value)
    except FiscalYearError as err:
        raise InvalidInput.field(field, "fiscal_year", err.message) from err


def in_tokyo(moment: datetime) -> datetime:
    """An aware time in Asia/Tokyo; a naive one is read as Japan time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=TOKYO)
    return moment.astimezone(TOKYO)


def _check_times(fiscal_year: int, starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidInput.field(
            "body.ends_at",
            "after_starts_at",
            "終了時刻は開始時刻より後にしてください（ends_at must be after starts_at）",
        )
    if fiscal_year_of(starts_at) != fiscal_year:
        raise InvalidInput.field(
            "body.starts_at",
            "within_fiscal_year",
            f"開始日が{fiscal_year_label(fiscal_year)}の期間外です"
            f"（starts_at is outside fiscal year {fiscal_year}）",
        )


def snapshot(symposium: Symposium) -> dict[str, Any]:
    return {
        "fiscal_year": symposium.fiscal_year,
        "number": symposium.number,
        "theme": symposium.theme,
        "starts_at": symposium.starts_at.isoformat(),
        "ends_at": symposium.ends_at.isoformat(),
        "format": symposium.format,
        "join_url": symposium.join_url,
        "venue": symposium.venue,
        "audience": list(symposium.audience),
        "capacity": symposium.capacity,
        "tentative": symposium.tentative,
        "status": symposium.status,
        "sequence": symposium.sequence,
    }


async def _symposium(session: AsyncSession, symposium_id: uuid.UUID) -> Symposium:
    symposium = await repository.get(session, symposium_id)
    if symposium is None:
        raise NotFound(f"シンポジウムが見つかりません（no symposium {symposium_id}）")
    return symposium


async def create_symposium(
    session: AsyncSession, *, principal: Principal | str, data: SymposiumCreate
) -> Symposium:
    details = {
        "theme": data.theme,
        "starts_at": in_tokyo(data.starts_at),
        "ends_at": in_tokyo(data.ends_at),
        "format": data.format,
        "join_url": str(data.join_url) if data.join_url else None,
        "venue": data.venue,
        "audience": list(dict.fromkeys(data.audience)),
        "capacity": data.capacity,
        "tentative": data.tentative,
    }
    return await add_symposium(
        session, actor=principal, fiscal_year=data.fiscal_year, number=data.number, details=details
    )


def _initial_state(ends_at: datetime) -> SymposiumState:
    """A session entered after its end is a record of a held one, not one still to come."""
    return SymposiumState.held if ends_at <= now_tokyo() else SymposiumState.scheduled


async def add_symposium(
    session: AsyncSession,
    *,
    actor: Principal | str,
    fiscal_year: int,
    number: int,
    details: Mapping[str, Any],
) -> Symposium:
    """The one way a symposium enters the registry (the API and the seed): times inside the
    fiscal year, (fiscal year, number) unique, audited; scheduled, or held when its end has
    passed already (a record of a past session). ``details`` are the model's fields, already in
    Japan time."""
    _check_times(fiscal_year, details["starts_at"], details["ends_at"])
    if await repository.get_by_number(session, fiscal_year, number) is not None:
        raise Conflict(
            f"{fiscal_year_label(fiscal_year)}第{number}回は既に登録されています"
            "（a symposium with this fiscal year and number exists）",
            fiscal_year=fiscal_year,
            number=number,
        )
    symposium = Symposium(
        fiscal_year=fiscal_year,
        number=number,
        status=_initial_state(details["ends_at"]),
        sequence=0,
        **details,
    )
    async with audited(
        session,
        symposium,
        kind="created",
        actor=actor,
        action="symposium.created",
        subject_type="symposium",
        snapshot=snapshot,
    ):
        await repository.add(session, symposium)
    return symposium


async def find_symposium(
    session: AsyncSession, *, fiscal_year: int, number: int
) -> Symposium | None:
    return await repository.get_by_number(session, fiscal_year, number)


async def get_symposium(session: AsyncSession, *, symposium_id: uuid.UUID) -> Symposium:
    return await _symposium(session, symposium_id)


async def list_symposia(
    session: AsyncSession, *, fiscal_year: str | None, after: tuple[int, int] | None, limit: int
) -> list[Symposium]:
    year = checked_fiscal_year(fiscal_year, "query.fiscal_year") if fiscal_year else None
    return await repository.list_symposia(session, fiscal_year=year, after=after, limit=limit)


def _changes(data: SymposiumUpdate) -> dict[str, Any]:
    changes = data.model_dump(exclude_unset=True)
    for name in ("starts_at", "ends_at"):
        if name in changes:
            changes[name] = in_tokyo(changes[name])
    if "join_url" in changes:
        changes["join_url"] = str(data.join_url) if data.join_url else None
    if "audience" in changes:
        changes["audience"] = list(dict.fromkeys(changes["audience"]))
    return changes


async def update_symposium(
    session: AsyncSession,
    *,
    principal: Principal,
    symposium_id: uuid.UUID,
    data: SymposiumUpdate,
    if_match: str | None,
) -> Symposium:
    symposium = await _symposium(session, symposium_id)
    check_if_match(if_match, symposium_etag(symposium, principal))
    SYMPOSIUM.fire(symposium.status, SymposiumEvent.update)
    return await _revise(session, principal, symposium, _changes(data))


async def set_capacity(
    session: AsyncSession, *, principal: Principal, symposium_id: uuid.UUID, capacity: int | None
) -> Symposium:
    """定員 as notify sets it after checking attendance (notify's ``rsvp/capacity.py``): the one
    value every service reads. Not a calendar change, so the ICS sequence stays."""
    symposium = await _symposium(session, symposium_id)
    SYMPOSIUM.fire(symposium.status, SymposiumEvent.update)
    return await _revise(session, principal, symposium, {"capacity": capacity})


async def correct_symposium(
    session: AsyncSession, *, actor: Principal | str, symposium: Symposium, facts: Mapping[str, Any]
) -> Symposium:
    """Bring the fields ``facts`` names back to those values, whatever the state (the seed)."""
    SYMPOSIUM.fire(symposium.status, SymposiumEvent.correct)
    return await _revise(session, actor, symposium, facts)


async def _revise(
    session: AsyncSession,
    actor: Principal | str,
    symposium: Symposium,
    fields: Mapping[str, Any],
) -> Symposium:
    """Set the fields that differ; a change of the calendar event raises the ICS sequence."""
    changes = {name: value for name, value in fields.items() if getattr(symposium, name) != value}
    if not changes:
        return symposium
    _check_times(
        symposium.fiscal_year,
        changes.get("starts_at", symposium.starts_at),
        changes.get("ends_at", symposium.ends_at),
    )
    async with audited(
        session,
        symposium,
        actor=actor,
        action="symposium.updated",
        subject_type="symposium",
        snapshot=snapshot,
    ):
        for name, value in changes.items():
            setattr(symposium, name, value)
        if any(name in changes for name in CALENDAR_FIELDS):
            symposium.sequence += 1
    return symposium


async def cancel_symposium(
    session: AsyncSession,
    *,
    principal: Principal,
    symposium_id: uuid.UUID,
    data: Cancellation,
    if_match: str | None,
) -> Symposium:
    """Cancel once; a repeat changes nothing. If-Match is honoured when sent."""
    symposium = await _symposium(session, symposium_id)
    if if_match is not None:
        check_if_match(if_match, symposium_etag(symposium, principal))
    cancelled = SYMPOSIUM.fire(symposium.status, SymposiumEvent.cancel)
    if cancelled == symposium.status:
        return symposium
    async with audited(
        session,
        symposium,
        actor=principal,
        action="symposium.cancelled",
        subject_type="symposium",
        snapshot=snapshot,
    ) as change:
        symposium.status = cancelled
        symposium.sequence += 1
        symposium.cancellation_reason = data.reason.strip() or None
        change.after_note = {"reason": data.reason}
    return symposium


async def audience(
    session: AsyncSession, *, symposium_id: uuid.UUID, after_address: str | None, limit: int
) -> list[tuple[Contact, str]]:
    """One page of the audience: (contact, its address identity key) ordered by that key."""
    symposium = await _symposium(session, symposium_id)
    return await repository.audience(
        session, categories=symposium.audience, after_address=after_address, limit=limit
    )


async def hold_ended(session: AsyncSession, *, as_of: datetime, actor: str) -> list[uuid.UUID]:
    """Every scheduled symposium whose end is at or before ``as_of`` becomes held (開催済み).

    Set-based and idempotent (the state guard of the UPDATE): the registry worker's daily sweep
    and the seed both call it; a cancelled symposium stays cancelled. One audit event each."""
    as_of = in_tokyo(as_of)
    held: list[uuid.UUID] = []
    for source, target in SYMPOSIUM.moves(SymposiumEvent.hold).items():
        ids = await repository.hold_ended(session, source=source, target=target, as_of=as_of)
        await record_many(
            session,
            actor=actor,
            action="symposium.held",
            subject_type="symposium",
            changes=[
                (i, {"status": str(source)}, {"status": str(target), "as_of": as_of.isoformat()})
                for i in ids
            ],
        )
        held += ids
    return held
