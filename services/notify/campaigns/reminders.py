"""Reminders before a symposium: to the invited who have not answered N days before (or, for a
symposium announced closer than that, halfway between the invitation and the start), to the
attending the day before. A reminder never carries a stale time: when the registry's symposium has
moved since the last invitation or update, an update goes out instead of the reminder.

Each (symposium, reminder, day) is claimed once (``claim_effect``), and each update once per
symposium sequence, so the hourly run may repeat, overlap or be replayed with the same ``as_of``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.fiscal_year import TOKYO
from libs.common.outbox import claim_effect
from services.notify.campaigns import repository, service
from services.notify.config import NotifySettings
from services.notify.letters.textformat import as_instant
from services.notify.models import applied_effects
from services.notify.registry_client import RegistryClient

log = structlog.get_logger(__name__)
ACTOR = "system:reminders"
# Letters go out in office hours: the first hourly run from 9:00 JST on the day sends them.
SEND_FROM_HOUR_JST = 9
# A symposium whose drafted start lies further back than this is over, even if it moved later.
LOOKBACK = timedelta(days=90)


@dataclass
class ReminderReport:
    reminders: list[str] = field(default_factory=list)  # campaign ids
    updates: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"reminders": self.reminders, "updates": self.updates}


def unanswered_day(
    starts_at: datetime, invited_at: datetime | None, days_before: int
) -> date | None:
    """The day (JST) the unanswered are reminded: ``days_before`` days ahead; for a symposium
    announced no further ahead than that (短期の告知), the day of the midpoint between the first
    invitation and the start, but never the invitation's own day; none if no day is left."""
    start_day = starts_at.astimezone(TOKYO).date()
    if days_before <= 0:
        return None
    if invited_at is None or (start_day - invited_at.astimezone(TOKYO).date()).days > days_before:
        return start_day - timedelta(days=days_before)
    midpoint = (invited_at + (starts_at - invited_at) / 2).astimezone(TOKYO).date()
    day = max(midpoint, invited_at.astimezone(TOKYO).date() + timedelta(days=1))
    return day if day < start_day else None


def due_segments(
    starts_at: datetime, today: date, days_before: int, invited_at: datetime | None = None
) -> list[str]:
    """Which reminders a symposium starting at ``starts_at`` is due on ``today`` (JST)."""
    days_left = (starts_at.astimezone(TOKYO).date() - today).days
    due = []
    if unanswered_day(starts_at, invited_at, days_before) == today:
        due.append("unanswered")
    if days_left == 1:
        due.append("attending")
    return due


async def send_reminders(
    session: AsyncSession, *, registry: RegistryClient, notify: NotifySettings, as_of: datetime
) -> ReminderReport:
    report = ReminderReport()
    now = as_of.astimezone(TOKYO)
    if now.hour < SEND_FROM_HOUR_JST:
        return report
    for symposium_id in await repository.invited_symposia(session, starting_after=as_of - LOOKBACK):
        symposium = await registry.symposium(symposium_id)
        if symposium.get("status") == "cancelled" or as_instant(symposium["starts_at"]) <= as_of:
            continue
        due = due_segments(
            as_instant(symposium["starts_at"]),
            now.date(),
            notify.reminder_days_before,
            await repository.first_invited_at(session, symposium_id),
        )
        if due:
            await _remind(session, registry, symposium, due, now.date(), report)
    return report


async def _remind(
    session: AsyncSession,
    registry: RegistryClient,
    symposium: dict[str, Any],
    due: list[str],
    today: date,
    report: ReminderReport,
) -> None:
    symposium_id = uuid.UUID(str(symposium["id"]))
    keys = [f"symposium-reminder:{symposium_id}:{segment}:{today.isoformat()}" for segment in due]
    announced = await repository.latest_announcement(session, symposium_id)
    sequence = int(symposium.get("sequence") or 0)
    if announced is not None and sequence > announced.sequence:
        # It moved: the update (with the new time, ICS and RSVP links) replaces today's reminders.
        for key in keys:
            await claim_effect(session, applied_effects, key)
        # An operator's own update for this version (a draft too) stands in for the run's.
        mine = await repository.same_announcement(
            session, symposium_id, kind="update", sequence=sequence
        )
        if mine is None and await claim_effect(
            session, applied_effects, f"symposium-update:{symposium_id}:{sequence}"
        ):
            campaign = await service.draft_campaign(
                session, registry=registry, actor=ACTOR, symposium_id=symposium_id, kind="update"
            )
            await service.release(session, campaign, actor=ACTOR)
            report.updates.append(str(campaign.id))
            log.info("symposium_moved_update_sent", symposium_id=str(symposium_id))
        return
    for segment, key in zip(due, keys, strict=True):
        if not await claim_effect(session, applied_effects, key):
            continue
        campaign = await service.draft_campaign(
            session,
            registry=registry,
            actor=ACTOR,
            symposium_id=symposium_id,
            kind="reminder",
            audience=segment,
        )
        await service.release(session, campaign, actor=ACTOR)
        report.reminders.append(str(campaign.id))
