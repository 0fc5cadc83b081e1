"""The continuation sweep: deadlines that drive state, reminders, escalations, terms that end.

Run hourly by the scheduler (``continuation_sweep`` with the slot as ``as_of``) and by operators
(``jisso review sweep --as-of … [--dry-run]``). Every step is set-based SQL over all cycles and
keyed by effect, so running it twice, or on two workers at once, does each effect once. Steps run
in an order that lets one late run catch up: review start and 未申請 at the deadline before term
end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.fiscal_year import TOKYO
from services.review.audit.service import record_many
from services.review.config import ReviewSettings
from services.review.continuation import notices
from services.review.continuation.cycles.service import subject_of
from services.review.continuation.states import (
    APPLICATION,
    ELIGIBLE_PROJECT,
    EligibleProjectState,
    Event,
)
from services.review.continuation.sweeps import repository as sql

log = structlog.get_logger(__name__)
ACTOR = "system:continuation_sweep"
TERM_END_JOB = "apply_term_ends"
STEPS = (
    "review_start",
    "not_submitted",
    "deadline_reminders",
    "assessment_reminders",
    "assessment_escalations",
    "term_end",
)


def effect_names(settings: ReviewSettings) -> list[str]:
    """Every effect a sweep may report, in order (reminders once per threshold)."""
    return [
        "review_started",
        "not_submitted",
        *(f"deadline_reminder_{d}d" for d in sorted(settings.deadline_reminder_days, reverse=True)),
        "deadline_reminder_overdue",
        *(
            f"assessment_reminder_{d}d"
            for d in sorted(settings.assessment_reminder_days, reverse=True)
        ),
        "assessment_escalation",
        "term_ended",
    ]


def effect_label(name: str) -> str:
    """Japanese label of an effect, for the operator's summary table."""
    if name.startswith(("deadline_reminder_", "assessment_reminder_")) and name.endswith("d"):
        days = name.rsplit("_", 1)[1].removesuffix("d")
        whom = "対象事業へ" if name.startswith("deadline") else "審査員へ"
        what = "申請締切" if name.startswith("deadline") else "評価期限"
        when = "当日" if days == "0" else f"{days}日前"
        return f"{what}{when}リマインド（{whom}）"
    return {
        "deadline_reminder_overdue": "申請期限超過のお知らせ（未申請の対象事業へ）",
        "review_started": "審査開始（締切後の提出済み申請）",
        "not_submitted": "未申請（締切経過）",
        "assessment_escalation": "評価期限超過のエスカレーション（事務局へ）",
        "term_ended": "支援終了（台帳へ反映）",
    }[name]


@dataclass
class SweepReport:
    """What one sweep did: a count per effect, and the keys of each (term ends only counted)."""

    as_of: datetime
    dry_run: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    keys: dict[str, list[str]] = field(default_factory=dict)

    def add(self, effect: str, keys: list[str]) -> None:
        self.count(effect, len(keys))
        self.keys.setdefault(effect, []).extend(sorted(keys))

    def count(self, effect: str, done: int) -> None:
        """Counted without keys: term ends, whose keys would grow the report with the cohort."""
        self.counts[effect] = self.counts.get(effect, 0) + done

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "counts": self.counts,
            "keys": self.keys,
        }


# 本日締切 goes out from the opening of offices on the deadline's day, not at midnight.
OFFICE_OPENS = time(9)


def reminder_from(deadline: datetime, days: int) -> datetime:
    """When the reminder ``days`` before the deadline is due: that many days before it, and for
    0 (the deadline's own day) from 09:00 that day."""
    if days == 0:
        return datetime.combine(deadline.astimezone(TOKYO).date(), OFFICE_OPENS, TOKYO)
    return deadline - timedelta(days=days)


def window(deadline: datetime, as_of: datetime, days: tuple[int, ...]) -> int | None:
    """The reminder due now: the nearest threshold already reached (14, then 7, then 1 day, then
    the day itself)."""
    for d in sorted(days):
        if reminder_from(deadline, d) <= as_of < deadline:
            return d
    return None


async def _review_start(session: AsyncSession, as_of: datetime, report: SweepReport) -> None:
    for source, target in APPLICATION.moves(Event.review_start).items():
        ids = await sql.start_reviews(session, source=source, target=target, as_of=as_of)
        await record_many(
            session,
            actor=ACTOR,
            action="continuation_application.review_started",
            subject_type="continuation_application",
            changes=[
                (
                    i,
                    {"state": source},
                    {"state": target, "by": "deadline", "as_of": as_of.isoformat()},
                )
                for i in ids
            ],
        )
        report.add("review_started", [f"review-start:{i}" for i in ids])


async def _not_submitted(session: AsyncSession, as_of: datetime, report: SweepReport) -> None:
    for source, target in ELIGIBLE_PROJECT.moves(Event.deadline_passed).items():
        rows = await sql.mark_not_submitted(session, source=source, target=target, as_of=as_of)
        subjects = [subject_of(r.cycle_id, r.project_id) for r in rows]
        await record_many(
            session,
            actor=ACTOR,
            action="continuation_project.not_submitted",
            subject_type="continuation_project",
            changes=[
                (s, {"state": source}, {"state": target, "as_of": as_of.isoformat()})
                for s in subjects
            ],
        )
        report.add("not_submitted", [f"not-submitted:{s}" for s in subjects])


async def _send(
    session: AsyncSession,
    report: SweepReport,
    candidates: dict[str, tuple[str, dict[str, Any]]],
) -> None:
    """Claim each message's key; write only the messages whose key this sweep claimed.

    ``candidates`` maps an effect key to (effect name for the report, notify payload). A message
    with nobody to send to (a project without contacts) is left unclaimed: once a contact is
    known to the cycle it goes out on the next run within its window."""
    reachable = {key: c for key, c in candidates.items() if c[1]["recipients"]}
    if len(reachable) < len(candidates):
        log.warning(
            "sweep_message_without_recipients", keys=sorted(set(candidates) - set(reachable))
        )
    claimed = sorted(await sql.claim(session, list(reachable)))
    await sql.add_messages(
        session, [("notify", notices.NOTIFY_FUNCTION, reachable[key][1]) for key in claimed]
    )
    for key in claimed:
        report.add(reachable[key][0], [key])


async def _deadline_reminders(
    session: AsyncSession, as_of: datetime, report: SweepReport, settings: ReviewSettings
) -> None:
    days = settings.deadline_reminder_days
    # A day more than the longest threshold: the deadline's own day starts within a day of it.
    rows = await sql.reminder_candidates(
        session, as_of=as_of, longest=timedelta(days=max(days, default=0) + 1)
    )
    candidates: dict[str, tuple[str, dict[str, Any]]] = {}
    for row in rows:
        d = window(row.deadline, as_of, days)
        if d is None:
            continue
        payload = notices.deadline_reminder(
            cycle_id=row.cycle_id,
            fiscal_year=row.fiscal_year,
            project_id=row.project_id,
            snapshot=row.snapshot,
            deadline=row.deadline,
            days_before=d,
            as_of=as_of,
        )
        candidates[payload["dedupe_key"]] = (f"deadline_reminder_{d}d", payload)
    within = timedelta(days=settings.overdue_notice_days)
    for row in await sql.overdue_candidates(session, as_of=as_of, within=within):
        payload = notices.deadline_reminder(
            cycle_id=row.cycle_id,
            fiscal_year=row.fiscal_year,
            project_id=row.project_id,
            snapshot=row.snapshot,
            deadline=row.deadline,
            days_before=None,
            as_of=as_of,
        )
        candidates[payload["dedupe_key"]] = ("deadline_reminder_overdue", payload)
    await _send(session, report, candidates)


async def _assessment_reminders(
    session: AsyncSession, as_of: datetime, report: SweepReport, settings: ReviewSettings
) -> None:
    days = settings.assessment_reminder_days
    rows = await sql.assessments_due(
        session, as_of=as_of, longest=timedelta(days=max(days, default=0))
    )
    candidates: dict[str, tuple[str, dict[str, Any]]] = {}
    for row in rows:
        d = window(row.review_due, as_of, days)
        if d is None:
            continue
        key = f"assessment-reminder:{row.id}:{d}d"
        candidates[key] = (
            f"assessment_reminder_{d}d",
            notices.assessment_reminder(
                key=key,
                reviewer={"name": row.name, "email": row.email},
                application_id=row.application_id,
                snapshot=row.snapshot,
                review_due=row.review_due,
                days_before=d,
            ),
        )
    await _send(session, report, candidates)


async def _assessment_escalations(
    session: AsyncSession, as_of: datetime, report: SweepReport, settings: ReviewSettings
) -> None:
    operator = {"name": settings.operator_name, "email": settings.operator_email}
    candidates: dict[str, tuple[str, dict[str, Any]]] = {}
    for row in await sql.assessments_overdue(session, as_of=as_of):
        key = f"assessment-escalation:{row.id}"
        candidates[key] = (
            "assessment_escalation",
            notices.assessment_escalation(
                key=key,
                operator=operator,
                reviewer={"name": row.name, "email": row.email, "subject": row.subject},
                application_id=row.application_id,
                snapshot=row.snapshot,
                review_due=row.review_due,
            ),
        )
    await _send(session, report, candidates)


END_REASONS = {
    EligibleProjectState.not_submitted: "継続申請なし（支援期間満了）",
    EligibleProjectState.applied: "継続承認なし（支援期間満了）",
}


# Projects per registry job: one call to the registry's batch endpoint (at most 500 there).
TERM_END_MESSAGE = 500


async def _term_end(session: AsyncSession, as_of: datetime, report: SweepReport) -> None:
    """At term end every eligible project without an approved continuation ends, and reaches the
    registry through one job per TERM_END_MESSAGE projects. The state guard of the UPDATE makes
    each project end once, so no effect key is claimed here (the jobs claim theirs)."""
    for source, target in ELIGIBLE_PROJECT.moves(Event.term_ended).items():
        job = sql.TermEndJob("review", TERM_END_JOB, END_REASONS[source], TERM_END_MESSAGE)
        ended = await sql.end_terms(
            session, source=source, target=target, as_of=as_of, actor=ACTOR, job=job
        )
        report.count("term_ended", ended)


async def sweep(
    session: AsyncSession,
    *,
    as_of: datetime,
    settings: ReviewSettings,
    progress: Callable[[str], None] | None = None,
) -> SweepReport:
    """Every step in one transaction (the caller's unit of work commits, or a dry run rolls
    back)."""
    report = SweepReport(as_of=as_of, counts=dict.fromkeys(effect_names(settings), 0))
    steps: dict[str, Callable[[], Any]] = {
        "review_start": lambda: _review_start(session, as_of, report),
        "not_submitted": lambda: _not_submitted(session, as_of, report),
        "deadline_reminders": lambda: _deadline_reminders(session, as_of, report, settings),
        "assessment_reminders": lambda: _assessment_reminders(session, as_of, report, settings),
        "assessment_escalations": lambda: _assessment_escalations(session, as_of, report, settings),
        "term_end": lambda: _term_end(session, as_of, report),
    }
    for name in STEPS:
        await steps[name]()
        if progress is not None:
            progress(name)
    return report


def parse_as_of(value: str | datetime) -> datetime:
    """An instant; a naive one is Tokyo wall-clock time."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=TOKYO) if moment.tzinfo is None else moment.astimezone(TOKYO)
