"""監査証跡 — the audit trail every service keeps: who changed what, when, before and after.

Each service maps the columns onto its own schema (``class AuditEvent(AuditEventColumns, Base)``)
and binds an :class:`AuditTrail` to that model; events are written in the same transaction as the
change they describe, so a change and its record commit together or not at all.

A change of one entity goes through :meth:`AuditTrail.change`, which snapshots it before, lets the
caller mutate it, steps the version and writes the event with both snapshots: the one way, so no
service hand-writes a before, an after and a version bump again. ``record`` stays for events that
are not one entity's before and after (a link) or come in a batch, ``record_many`` for sweeps.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    BigInteger,
    DateTime,
    Identity,
    Index,
    String,
    Table,
    bindparam,
    cast,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm.attributes import flag_modified

from libs.common.auth import Principal, Role, require
from libs.common.errors import problems
from libs.common.japanese_input import TokyoDatetime
from libs.common.logging import current_request_id
from libs.common.pagination import (
    Key,
    Page,
    PageCursor,
    PageLimit,
    decode_cursor,
    encode_cursor,
    next_link,
)
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute


class AuditEventColumns:
    """Declarative mixin: the columns of ``<schema>.audit_events``."""

    __tablename__ = "audit_events"

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index]:
        return (Index("ix_audit_events_subject", "subject_type", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    request_id: Mapped[str | None] = mapped_column(String(128))


class AuditEventOut(BaseModel):
    """監査記録の1件（one audited change）."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="記録の番号。記録順に増える（sequence number, in order of record）")
    at: TokyoDatetime = Field(
        description="変更が確定した時刻（when the change committed）",
        examples=["2021-12-17T10:00:00+09:00"],
    )
    actor: str = Field(
        description="変更した主体: トークンの role と subject（who: the token's role and subject）",
        examples=["operator:office-1"],
    )
    action: str = Field(
        description="操作: 対象の種類と変更の種類（what was done: subject type and change）",
        examples=["project.updated"],
    )
    subject_type: str = Field(
        description="対象の種類（kind of thing changed）", examples=["project"]
    )
    subject_id: str = Field(
        description="対象の識別子（id of the thing changed）",
        examples=["4f0c2a52-9a57-4c3e-8c39-0b6c4b7f7a10"],
    )
    before: dict[str, Any] | None = Field(
        description="変更前の値（changed fields before; null for a creation）",
        examples=[{"status": "supported"}],
    )
    after: dict[str, Any] | None = Field(
        description="変更後の値（changed fields after; null for a removal）",
        examples=[{"status": "extended"}],
    )
    request_id: str | None = Field(
        description="変更した要求の X-Request-ID（the X-Request-ID of the request that made it）",
        examples=["0f6b1f3c2a9d4e5f8a7b6c5d4e3f2a1b"],
    )


def actor_name(actor: Principal | str) -> str:
    return actor.actor if isinstance(actor, Principal) else actor


T = TypeVar("T")
ChangeKind = Literal["created", "updated", "removed"]


@dataclass
class Change:
    """An audited change under way, as the ``async with`` block sees it.

    ``before`` is the snapshot taken on entry (None for a creation). The block may add notes that
    belong in the event but not in the entity (a reason, a decision id), and may say whether
    anything changed when it knows better than a comparison of snapshots (``changed``). After the
    block, ``recorded`` tells whether an event was written.
    """

    before: dict[str, Any] | None
    before_note: dict[str, Any] = field(default_factory=dict)
    after_note: dict[str, Any] = field(default_factory=dict)
    changed: bool | None = None
    recorded: bool = False

    def differs(self, now: Callable[[], Mapping[str, Any]], *, always: bool = False) -> bool:
        """Whether there is a change to record: the block's word, else ``always``, else whether
        the snapshot ``now`` takes differs from ``before``."""
        if self.changed is not None:
            return self.changed
        return always or dict(now()) != self.before


def step_version(row: object) -> None:
    """Make the next flush UPDATE ``row`` so its ``version_id_col`` steps, even when only its
    child rows changed (the ETag of an aggregate covers its children). One loaded plain column is
    marked modified; the version column itself cannot be, or SQLAlchemy would write it back."""
    state = inspect(row)
    mapper = state.mapper
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if column.primary_key or column is mapper.version_id_col or prop.key not in state.dict:
            continue
        flag_modified(row, prop.key)
        return
    raise ValueError(f"{type(row).__name__} has no loaded column to mark for a version step")


_WRITTEN = "audit_events_written"


def _count(session: AsyncSession, events: int) -> None:
    session.info[_WRITTEN] = session.info.get(_WRITTEN, 0) + events


def note_events(session: AsyncSession, events: int) -> None:
    """Count events a statement wrote itself (``AuditTrail.insert_from``) in ``events_written``."""
    _count(session, events)


def events_written(session: AsyncSession) -> int:
    """How many audit events this session has written: every change is audited, so none means
    the work changed nothing (``jisso seed`` says so when run again)."""
    return int(session.info.get(_WRITTEN, 0))


class AuditTrail:
    """Recording and reading one service's audit events."""

    def __init__(self, model: type[AuditEventColumns]) -> None:
        self.model = model
        self.table: Table = inspect(model).local_table
        self._insert = insert(self.table)

    async def record(
        self,
        session: AsyncSession,
        *,
        actor: Principal | str,
        action: str,
        subject_type: str,
        subject_id: object,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> None:
        """One event, written at once by a Core INSERT: nothing reads it back in the
        transaction, so the ORM's unit of work (add, flush, identity map) would be pure cost."""
        await session.execute(
            self._insert,
            {
                "actor": actor_name(actor),
                "action": action,
                "subject_type": subject_type,
                "subject_id": str(subject_id),
                "before": dict(before) if before is not None else None,
                "after": dict(after) if after is not None else None,
                "request_id": current_request_id(),
            },
        )
        _count(session, 1)

    def insert_from(
        self,
        rows: Any,
        *,
        action: str,
        subject_type: str,
        subject_id: Any,
        after: Any,
        before: Any = None,
    ) -> Any:
        """An INSERT of one event per row of ``rows`` (a CTE of the statement that makes the
        change: its events are written by the same statement, with what only the database knows
        then). ``subject_id``, ``after`` and ``before`` are SQL over ``rows``; a missing before is
        JSON null, as ``record`` writes it. The actor and request id are bound parameters: pass
        ``event_params(actor)``; count the rows written with ``note_events``."""
        columns = ["actor", "action", "subject_type", "subject_id", "before", "after", "request_id"]
        return insert(self.table).from_select(
            columns,
            select(
                bindparam("audit_actor", type_=String),
                literal(action, String),
                literal(subject_type, String),
                cast(subject_id, String),
                before if before is not None else literal_column("'null'::jsonb"),
                after,
                bindparam("audit_request_id", type_=String),
            ).select_from(rows),
        )

    @staticmethod
    def event_params(actor: Principal | str) -> dict[str, Any]:
        """The parameters of an ``insert_from`` statement: who, and the request it serves."""
        return {"audit_actor": actor_name(actor), "audit_request_id": current_request_id()}

    @asynccontextmanager
    async def change(
        self,
        session: AsyncSession,
        entity: T,
        *,
        actor: Principal | str,
        action: str,
        subject_type: str,
        snapshot: Callable[[T], Mapping[str, Any]],
        subject_id: object = None,
        kind: ChangeKind = "updated",
        always: bool = False,
        version_of: object = None,
        save: Callable[[], Awaitable[object]] | None = None,
        save_audited: Callable[[dict[str, Any], dict[str, Any]], Awaitable[object]] | None = None,
    ) -> AsyncIterator[Change]:
        """Apply a change to ``entity`` inside the block and audit it.

        - ``created``: the block stores the new entity; the event has only an after.
        - ``updated``: snapshot before; after the block, nothing is written when nothing changed
          (``Change.changed``, else the snapshots compared, unless ``always``); otherwise the
          version of ``version_of`` (the entity or the aggregate it belongs to) is stepped, the
          change written (``save``, by default a flush: a repository may translate its
          constraint errors there) and the event written with before and after.
        - ``removed``: snapshot before; the block deletes; the event has only a before.

        A creation or removal is written by the block itself; only a flush follows it.

        ``save_audited`` (an update) takes the place of ``save`` and of the event's own INSERT:
        given the event's before and after, it writes the change and the event in one statement
        (``insert_from``) and returns once both are written.

        ``subject_id`` defaults to the entity's ``id``, read after the flush (a new row's id may
        only exist then). An exception in the block propagates and nothing is recorded.
        """
        before = None if kind == "created" else dict(snapshot(entity))
        change = Change(before)
        yield change
        if kind == "updated":
            if not change.differs(lambda: snapshot(entity), always=always):
                return
            if version_of is not None:
                step_version(version_of)
            if save_audited is not None:
                assert before is not None  # an update's
                after_update = {**snapshot(entity), **change.after_note}
                await save_audited({**before, **change.before_note}, after_update)
                _count(session, 1)
                change.recorded = True
                return
        await (save() if save is not None and kind == "updated" else session.flush())
        after = None if kind == "removed" else {**snapshot(entity), **change.after_note}
        await self.record(
            session,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=getattr(entity, "id") if subject_id is None else subject_id,  # noqa: B009
            before=None if before is None else {**before, **change.before_note},
            after=after,
        )
        change.recorded = True

    async def record_many(
        self,
        session: AsyncSession,
        *,
        actor: str,
        action: str,
        subject_type: str,
        changes: Sequence[tuple[object, Mapping[str, Any], Mapping[str, Any]]],
    ) -> None:
        """One event per (subject id, before, after), written as one multi-row INSERT."""
        if not changes:
            return
        request_id = current_request_id()
        rows = [
            {
                "actor": actor,
                "action": action,
                "subject_type": subject_type,
                "subject_id": str(subject_id),
                "before": dict(before),
                "after": dict(after),
                "request_id": request_id,
            }
            for subject_id, before, after in changes
        ]
        # Core, not the ORM's bulk path: the same INSERT, in half the time for a sweep's 100,000.
        await session.execute(self._insert, rows)
        _count(session, len(rows))

    async def list_events(
        self, session: AsyncSession, *, subject: str | None, after_id: int | None, limit: int
    ) -> list[AuditEventColumns]:
        """Events of ``type:id`` (the id may itself contain colons), oldest first."""
        model = self.model
        subject_type, _, subject_id = (subject or "").partition(":")
        query = select(model).order_by(model.id).limit(limit)
        if subject_type:
            query = query.where(model.subject_type == subject_type)
        if subject_id:
            query = query.where(model.subject_id == subject_id)
        if after_id is not None:
            query = query.where(model.id > after_id)
        return list((await session.scalars(query)).all())

    def router(self, *, subject_example: str) -> APIRouter:
        """``GET /v1/audit`` for operators."""
        router = APIRouter(prefix="/v1/audit", tags=["audit"], route_class=UnitOfWorkRoute)
        trail = self

        @router.get("", summary="List audit events", responses=problems())
        async def list_audit_events(
            request: Request,
            session: SessionDep,
            _: Annotated[Principal, Depends(require(Role.operator))],
            subject: Annotated[
                str | None,
                Query(
                    description="対象の `種類:ID`（`type:id` of the subject）",
                    examples=[subject_example],
                ),
            ] = None,
            limit: PageLimit = 50,
            cursor: PageCursor = None,
        ) -> Page[AuditEventOut]:
            after = decode_cursor(request, cursor, Key.integer)
            events = await trail.list_events(
                session, subject=subject, after_id=after[0] if after else None, limit=limit + 1
            )
            page = events[:limit]
            last = encode_cursor(request, [page[-1].id]) if len(events) > limit and page else None
            return Page[AuditEventOut](
                items=[AuditEventOut.model_validate(e) for e in page],
                next=next_link(request.url, last),
            )

        return router
