"""出席者名簿とキャンペーン報告 — what an organiser needs on the day and after a campaign.

The attendee list is for name badges and join URLs: everyone invited to a symposium (an approved
invitation's delivery) or answering for it, with the answer, the place in line and what became of
the invitation letter. It is served as JSON and, for printing, as CSV and XLSX written by
``libs.common.spreadsheet`` (text never a formula: a name such as ``=HYPERLINK(…)`` stays text).

The campaign report counts one campaign's letters by outcome and its recipients by answer. Who the
campaign left out, and why, is not stored when a campaign is drafted (``insert_deliveries`` skips
suppressed mailboxes without a trace): it is worked out here by comparing the registry audience as
it is *now* with the campaign's deliveries, so it is an estimate for a campaign drafted long ago,
and contacts the registry itself has suppressed (its audience leaves them out) are not seen.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import DomainError, NotFound
from libs.common.fiscal_year import TOKYO
from libs.common.spreadsheet import CellValue, Table
from services.notify.attendance import repository
from services.notify.attendance.repository import AttendeeRow
from services.notify.attendance.schemas import Answers, AttendeeOut, CampaignReport, LeftOut
from services.notify.campaigns.models import Campaign
from services.notify.campaigns.repository import invited_mailboxes
from services.notify.deliveries.states import DELIVERY, PENDING, DeliveryState
from services.notify.letters.addresses import mailbox
from services.notify.registry_client import RegistryClient

ANSWER_LABELS = {
    "attending": "出席",
    "waitlisted": "キャンセル待ち",
    "declined": "欠席",
    "no_answer": "未回答",
}
HEADERS = (
    "連絡先ID",
    "氏名",
    "メールアドレス",
    "出欠",
    "キャンセル待ち順",
    "回答日時",
    "案内メールの状態",
)
WIDTHS = (38, 20, 34, 14, 10, 18, 22)
# Campaigns written to the registry audience: only they can have left anyone of it out.
FROM_REGISTRY_AUDIENCE = ("all", "not_yet_invited")
LEFT_OUT_BASIS = "registry audience now (対象者の現在の一覧)"


async def attendees(session: AsyncSession, symposium_id: uuid.UUID) -> list[AttendeeRow]:
    return await repository.attendees(session, symposium_id)


def attendee_out(row: AttendeeRow) -> AttendeeOut:
    return AttendeeOut(
        contact_id=row.contact_id,
        name=row.name,
        email=row.email,
        rsvp=row.rsvp,  # type: ignore[arg-type]  # the SQL yields only the four answers
        waitlist_position=row.waitlist_position,
        answered_at=row.answered_at,
        delivery_state=row.delivery_state,  # type: ignore[arg-type]  # a delivery state column
    )


def ident(row: AttendeeRow) -> str:
    """A row's identity for the page cursor: the contact, else the mailbox."""
    return str(row.contact_id) if row.contact_id is not None else row.email_key


def _delivery_label(state: str | None) -> str:
    if state is None:
        return ""
    return DELIVERY.labels.get(DeliveryState(state), state)


def _local(instant: datetime | None) -> datetime | None:
    """Japan time to the second: a printed list has no use for microseconds."""
    return None if instant is None else instant.astimezone(TOKYO).replace(microsecond=0)


def attendee_table(rows: list[AttendeeRow]) -> Table:
    """The list as one sheet, Japanese headers and labels (出欠, 案内メールの状態)."""
    cells: list[list[CellValue]] = [
        [
            "" if r.contact_id is None else str(r.contact_id),
            r.name,
            r.email,
            ANSWER_LABELS[r.rsvp],
            r.waitlist_position,
            _local(r.answered_at),
            _delivery_label(r.delivery_state),
        ]
        for r in rows
    ]
    return Table(title="出席者名簿", headers=HEADERS, rows=cells, widths=WIDTHS, centred=(3, 4))


async def campaign_report(
    session: AsyncSession, registry: RegistryClient, campaign_id: uuid.UUID
) -> CampaignReport:
    campaign = await repository.get_campaign(session, campaign_id)
    if campaign is None:
        raise NotFound(f"キャンペーンが見つかりません（no campaign {campaign_id}）")
    by_state = {state.value: 0 for state in DeliveryState}
    by_state.update(await repository.delivery_counts(session, campaign.id))
    answers = await repository.answer_counts(
        session, campaign_id=campaign.id, symposium_id=campaign.symposium_id
    )
    audience = _audience_of(campaign)
    left_out = (
        await _left_out(session, registry, campaign, audience)
        if audience in FROM_REGISTRY_AUDIENCE
        else None
    )
    return CampaignReport(
        campaign_id=campaign.id,
        symposium_id=campaign.symposium_id,
        kind=campaign.kind,  # type: ignore[arg-type]  # drafted only as a CampaignKind
        status=str(campaign.status),
        audience=audience,
        invited=sum(by_state.values()),
        delivered=by_state[DeliveryState.sent],
        bounced=by_state[DeliveryState.bounced],
        failed=by_state[DeliveryState.failed],
        suppressed=by_state[DeliveryState.suppressed],
        pending=sum(by_state[s] for s in PENDING),
        deliveries=by_state,
        left_out=left_out,
        answers=Answers(
            attending=answers.get("attending", 0),
            waitlisted=answers.get("waitlisted", 0),
            declined=answers.get("declined", 0),
            no_answer=answers.get("no_answer", 0),
        ),
    )


def _audience_of(campaign: Campaign) -> str | None:
    chosen = (campaign.context or {}).get("audience")
    if chosen is None and campaign.kind == "invitation":
        return "all"  # drafted before the audience was kept: invitations went to everyone
    return None if chosen is None else str(chosen)


async def _left_out(
    session: AsyncSession, registry: RegistryClient, campaign: Campaign, audience: str | None
) -> LeftOut:
    """Audience members (by mailbox) without a delivery of the campaign, counted by why."""
    written = await repository.campaign_mailboxes(session, campaign.id)
    reasons: Counter[str] = Counter()
    missing: set[str] = set()
    async for contact in registry.audience(campaign.symposium_id):
        try:
            key = mailbox(contact["email"]).key
        except DomainError:
            reasons["invalid_address"] += 1
            continue
        if key not in written:
            missing.add(key)
    suppressed = await repository.suppression_states(session, missing)
    # Not in this campaign but reached by another invitation, before it or after.
    reached = await invited_mailboxes(session, campaign.symposium_id)
    for key in missing:
        if key in suppressed:
            reasons[suppressed[key]] += 1
        elif key in reached:
            reasons["invited_by_another_invitation"] += 1
        else:
            reasons["not_in_audience_at_draft"] += 1
    return LeftOut(total=sum(reasons.values()), by_reason=dict(reasons), basis=LEFT_OUT_BASIS)
