"""Registry and notify over committing sessions, for tests that send: the sender records ``sent``
on connections of its own, which see committed rows only. Everything made here is removed."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import httpx
from sqlalchemy import String, cast, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from libs.common.http import ServiceClient
from libs.common.settings import Settings
from services.notify.audit.models import AuditEvent as NotifyAudit
from services.notify.campaigns.models import Campaign
from services.notify.deliveries.models import Delivery
from services.notify.messages.models import Message
from services.notify.models import applied_effects, idempotency_keys, outbox
from services.notify.registry_client import RegistryClient
from services.notify.rsvp.models import Rsvp
from services.notify.rsvp.service import LETTER_KEYS
from services.registry.audit.models import AuditEvent
from services.registry.contacts.models import Contact
from services.registry.symposia.models import Symposium
from tests.fixtures.apps import build_app, client_of
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.workers import fast_notify_settings, remove_tagged, worker_context
from tests.notify.symposium_data import create_contact, create_symposium


@dataclass
class World:
    tag: str
    registry: httpx.AsyncClient
    notify: httpx.AsyncClient
    ctx: dict[str, Any]
    token: Callable[..., str]
    symposium_ids: list[str] = field(default_factory=list)
    contact_ids: list[str] = field(default_factory=list)

    async def symposium(self, fields: dict[str, Any]) -> dict[str, Any]:
        created = await create_symposium(self.registry, self.token, fields)
        self.symposium_ids.append(created["id"])
        return created

    async def staff(self, count: int, category: str = "local_government") -> list[dict[str, Any]]:
        made = [
            await create_contact(
                self.registry,
                self.token,
                name=f"職員{i}",
                email=f"{category}{i}.{self.tag}@city.example.jp",
                category=category,
            )
            for i in range(count)
        ]
        self.contact_ids += [c["id"] for c in made]
        return made


@contextlib.asynccontextmanager
async def committed_world(
    *,
    make_settings: Callable[..., Settings],
    committed: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    smtp_server: SmtpServer,
    token: Callable[..., str],
    **notify_knobs: Any,
) -> AsyncIterator[World]:
    registry_app = build_app("registry", make_settings("registry"), committed)
    service_client = ServiceClient(
        make_settings("notify"), "registry", transport=httpx.ASGITransport(app=registry_app)
    )
    registry = RegistryClient(service_client)
    notify_app = build_app("notify", make_settings("notify"), committed, registry=registry)
    ctx = worker_context(
        "notify",
        make_settings("notify", smtp_url=smtp_server.url),
        committed,
        engine=engine,
        registry=registry,
        notify_settings=fast_notify_settings(**notify_knobs),
    )
    async with (
        client_of(registry_app, "registry") as registry_api,
        client_of(notify_app, "notify") as notify_api,
    ):
        world = World(uuid.uuid4().hex[:10], registry_api, notify_api, ctx, token)
        try:
            yield world
        finally:
            await service_client.aclose()
            await _remove(committed, world)


async def _remove(committed: async_sessionmaker[AsyncSession], world: World) -> None:
    symposia = [uuid.UUID(s) for s in world.symposium_ids]
    async with committed() as session, session.begin():
        campaign_keys = select(cast(Campaign.id, String)).where(Campaign.symposium_id.in_(symposia))
        await session.execute(
            delete(outbox).where(outbox.c.payload["campaign_id"].astext.in_(campaign_keys))
        )
        await _remove_resends(
            session, select(Campaign.id).where(Campaign.symposium_id.in_(symposia))
        )
        await session.execute(delete(Campaign).where(Campaign.symposium_id.in_(symposia)))
        rsvps = (
            await session.scalars(select(Rsvp.id).where(Rsvp.symposium_id.in_(symposia)))
        ).all()
        for rsvp_id, prefix in product(rsvps, LETTER_KEYS.values()):  # "<prefix>:<rsvp id>:v<n>"
            letters = delete(Message).where(Message.dedupe_key.startswith(f"{prefix}:{rsvp_id}:"))
            for message_id in (await session.scalars(letters.returning(Message.id))).all():
                await session.execute(
                    delete(outbox).where(outbox.c.payload["message_id"].astext == str(message_id))
                )
        await session.execute(delete(Rsvp).where(Rsvp.symposium_id.in_(symposia)))
        for symposium_id in world.symposium_ids:
            await session.execute(
                delete(applied_effects).where(applied_effects.c.key.contains(symposium_id))
            )
        await session.execute(
            delete(idempotency_keys).where(idempotency_keys.c.key.contains(world.tag))
        )
        subjects = [*world.symposium_ids, *world.contact_ids]
        await session.execute(delete(AuditEvent).where(AuditEvent.subject_id.in_(subjects)))
        await session.execute(delete(Contact).where(Contact.id.in_(world.contact_ids)))
        await session.execute(delete(Symposium).where(Symposium.id.in_(symposia)))
    await remove_tagged(committed, world.tag)


async def _remove_resends(session: AsyncSession, campaigns: Any) -> None:
    """Letters sent again from the world's deliveries ("resend:<delivery id>:<n>"), their outbox
    rows and notify's audit of them."""
    originals = (
        await session.scalars(select(Delivery.id).where(Delivery.campaign_id.in_(campaigns)))
    ).all()
    for delivery_id in originals:
        letters = delete(Message).where(Message.dedupe_key.startswith(f"resend:{delivery_id}:"))
        for message_id in (await session.scalars(letters.returning(Message.id))).all():
            await session.execute(
                delete(outbox).where(outbox.c.payload["message_id"].astext == str(message_id))
            )
    subjects = [str(d) for d in originals]
    await session.execute(delete(NotifyAudit).where(NotifyAudit.subject_id.in_(subjects)))
