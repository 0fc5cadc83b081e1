"""Every kind of message notify sends, and the context keys each one's templates read.

The context is the producer's contract (the review service publishes transactional messages with
it): ``required`` keys must be present, ``optional`` keys default to none. Dates and times may be
ISO strings, as they arrive in JSON; the templates format them in Japan time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    description: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    # A symposium mail: its context holds the registry's symposium, and it carries an ICS
    # (REQUEST, or CANCEL for a cancellation) with the symposium's UID and SEQUENCE.
    symposium: bool = False
    # A full invitation: personal RSVP links (attend / decline), an unsubscribe link and the
    # List-Unsubscribe headers. The waitlist promotion has them too: the promoted person may need
    # to decline the place just given, and it is as much a symposium letter as the invitation.
    personal_links: bool = False


_SYMPOSIUM = ("symposium",)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "symposium_invitation",
            "ミニシンポジウムのご案内 (symposium: the registry's symposium)",
            _SYMPOSIUM,
            symposium=True,
            personal_links=True,
        ),
        Kind(
            "symposium_reminder",
            "開催前のリマインド; audience: unanswered (default) or attending",
            _SYMPOSIUM,
            ("audience",),
            symposium=True,
            personal_links=True,
        ),
        Kind(
            "symposium_update",
            "日時・開催形式等の変更; previous: {starts_at, ends_at} before the change",
            _SYMPOSIUM,
            ("previous",),
            symposium=True,
            personal_links=True,
        ),
        Kind(
            "symposium_cancellation",
            "開催中止のお知らせ; reason: why",
            _SYMPOSIUM,
            ("reason",),
            symposium=True,
            personal_links=True,
        ),
        Kind(
            "symposium_waitlist_promoted",
            "キャンセル待ちからの繰り上げ参加のお知らせ (a place freed for a waitlisted person)",
            _SYMPOSIUM,
            symposium=True,
            personal_links=True,
        ),
        Kind(
            "symposium_rsvp_confirmation",
            "出席・キャンセル待ちの受付確認; response: attending (with the calendar entry) or "
            "waitlisted (position: the place in line; no calendar entry until a place is theirs)",
            (*_SYMPOSIUM, "response"),
            ("position",),
            symposium=True,
            personal_links=True,
        ),
        Kind(
            "continuation_deadline_reminder",
            "継続申請の提出期限のご案内; stage: days_left (あとN日, with days_left), tomorrow "
            "(明日締切), today (本日締切) or overdue (期限超過, with term_end); the deadline is "
            "stated with its time",
            ("project_name", "local_government", "deadline"),
            ("fiscal_year_label", "submission_url", "stage", "days_left", "term_end"),
        ),
        Kind(
            "assessment_reminder",
            "評価（アセスメント）提出のお願い (to a reviewer)",
            ("project_name", "due_date"),
            ("programme", "review_url"),
        ),
        Kind(
            "assessment_escalation",
            "評価の提出期限超過のお知らせ (to the office, naming the late reviewer)",
            ("project_name", "due_date", "reviewer_name"),
            ("programme", "review_url"),
        ),
        Kind(
            "continuation_decision",
            "継続審査の結果; decision: approved or rejected",
            ("project_name", "local_government", "decision", "decided_on"),
            ("term_end", "reason"),
        ),
        Kind(
            "joint_review_result",
            "スマートシティ関連事業 合同審査の結果; result: selected or not_selected",
            ("fiscal_year_label", "region", "result"),
            ("programmes", "note"),
        ),
    )
}


def symposium_template_kind(campaign_kind: str) -> str:
    """A campaign's kind (invitation, reminder, update, cancellation) as a template kind."""
    return f"symposium_{campaign_kind}"


def kinds_help(kinds: Iterable[Kind]) -> str:
    """The kinds as the contract explains them: what each is and the context keys it reads."""
    return "; ".join(
        f"{k.name}: {k.description} (context: {', '.join(k.required)}"
        + (f"; optional {', '.join(k.optional)}" if k.optional else "")
        + ")"
        for k in kinds
    )
