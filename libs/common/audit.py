"""監査証跡 — the audit trail every service keeps: who changed what, when, before and after.

Each service maps the columns onto its own schema (``class AuditEvent(AuditEventColumns, Base)``)
and binds an :class:`AuditTrail` to that model; events are written in the same transaction as the
change they describe, so a change and its record commit together or not at all.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import (
    BigInteger,
    DateTime,
    Identity,
    Index,
    String,
    Table,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from libs.common.auth import Principal, Role, require
from libs.common.errors import PROBLEM_RESPONSES
from libs.common.fiscal_year import TOKYO
from libs.common.logging import current_request_id
from libs.common.pagination import Key, Page, decode_cursor, encode_cursor, next_link
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


def _in_tokyo(value: datetime) -> datetime:
    return value.astimezone(TOKYO)


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: Annotated[datetime, AfterValidator(_in_tokyo)] = Field(
        examples=["2021-12-17T10:00:00+09:00"]
    )
    actor: str = Field(examples=["operator:office-1"])
    action: str = Field(examples=["project.updated"])
    subject_type: str = Field(examples=["project"])
    subject_id: str
    before: dict[str, Any] | None = Field(examples=[{"status": "supported"}])
    after: dict[str, Any] | None = Field(examples=[{"status": "extended"}])
    request_id: str | None


def actor_name(actor: Principal | str) -> str:
    return actor.actor if isinstance(actor, Principal) else actor


class AuditTrail:
    """Recording and reading one service's audit events."""

    def __init__(self, model: type[AuditEventColumns]) -> None:
        self.model = model
        self.table: Table = inspect(model).local_table

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
    ) -> AuditEventColumns:
        event = self.model()
        event.actor = actor_name(actor)
        event.action = action
        event.subject_type = subject_type
        event.subject_id = str(subject_id)
        event.before = dict(before) if before is not None else None
        event.after = dict(after) if after is not None else None
        event.request_id = current_request_id()
        session.add(event)
        await session.flush()
        return event

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
        await session.execute(insert(self.table), rows)

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

        @router.get("", summary="List audit events", responses=PROBLEM_RESPONSES)
        async def list_audit_events(
            request: Request,
            session: SessionDep,
            _: Annotated[Principal, Depends(require(Role.operator))],
            subject: Annotated[
                str | None,
                Query(description="`type:id` of the subject", examples=[subject_example]),
            ] = None,
            limit: Annotated[int, Query(ge=1, le=200)] = 50,
            cursor: str | None = None,
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
