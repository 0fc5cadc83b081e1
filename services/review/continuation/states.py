"""The continuation review's states and transitions: ONE table, enforced on every path.

Three things have a state: an application (継続申請書), the place of an eligible project in a
cycle (対象事業), and a reviewer's assessment of an application (評価). Their state names differ, so
one ``(state, event) → new state`` table holds all three. Endpoints call :func:`transition`; sweeps
build their set-based ``UPDATE … WHERE state = source`` from :func:`moves` — both read this table.
docs/review.md shows the same table.
"""

from __future__ import annotations

from enum import StrEnum

from libs.common.errors import Conflict


class State(StrEnum):
    # application
    draft = "draft"
    submitted = "submitted"
    under_review = "under_review"
    approved = "approved"
    rejected = "rejected"
    # eligible project in a cycle
    eligible = "eligible"
    applied = "applied"
    not_submitted = "not_submitted"
    continued = "continued"
    ended = "ended"
    # a reviewer's assessment
    assigned = "assigned"
    assessing = "assessing"
    assessed = "assessed"


class Event(StrEnum):
    start_draft = "start_draft"
    edit = "edit"
    submit = "submit"
    assign = "assign"
    review_start = "review_start"
    assess = "assess"
    approve = "approve"
    reject = "reject"
    deadline_passed = "deadline_passed"
    term_ended = "term_ended"
    save_assessment = "save_assessment"
    submit_assessment = "submit_assessment"


S, E = State, Event

TRANSITIONS: dict[tuple[State, Event], State] = {
    # 継続申請書 — application
    (S.draft, E.edit): S.draft,
    (S.draft, E.submit): S.submitted,
    (S.submitted, E.assign): S.under_review,  # first reviewer assigned
    (S.submitted, E.review_start): S.under_review,  # sweep: the deadline has passed
    (S.under_review, E.assign): S.under_review,
    (S.under_review, E.assess): S.under_review,
    (S.under_review, E.approve): S.approved,
    (S.under_review, E.reject): S.rejected,
    # 対象事業 — an eligible project of a cycle
    (S.eligible, E.start_draft): S.eligible,
    (S.not_submitted, E.start_draft): S.not_submitted,  # only under a grace period
    (S.eligible, E.submit): S.applied,
    (S.not_submitted, E.submit): S.applied,  # late, only under a grace period
    (S.eligible, E.deadline_passed): S.not_submitted,  # sweep: no submission by the deadline
    (S.applied, E.approve): S.continued,
    (S.applied, E.reject): S.applied,  # stays until its term ends
    (S.applied, E.term_ended): S.ended,  # sweep: term over without an approved continuation
    (S.not_submitted, E.term_ended): S.ended,  # sweep
    # 評価 — a reviewer's assessment
    (S.assigned, E.save_assessment): S.assessing,
    (S.assessing, E.save_assessment): S.assessing,
    (S.assessing, E.submit_assessment): S.assessed,
}

LABELS: dict[State, str] = {
    S.draft: "下書き",
    S.submitted: "提出済み",
    S.under_review: "審査中",
    S.approved: "継続承認",
    S.rejected: "継続不承認",
    S.eligible: "継続申請対象",
    S.applied: "申請済み",
    S.not_submitted: "未申請",
    S.continued: "支援延長",
    S.ended: "支援終了",
    S.assigned: "未評価",
    S.assessing: "評価中（下書き）",
    S.assessed: "評価提出済み",
}


def allowed_events(state: State | str) -> list[Event]:
    return [event for (source, event) in TRANSITIONS if source == state]


def transition(state: State | str, event: Event, *, subject: str) -> State:
    """The state after ``event``, or a 409 naming the state and what it allows."""
    target = TRANSITIONS.get((State(state), event))
    if target is None:
        allowed = ", ".join(allowed_events(state)) or "nothing"
        raise Conflict(
            f"{subject}は「{LABELS[State(state)]}」のため {event} できません"
            f"（{subject} is {state}; {event} is not allowed, allowed: {allowed}）",
            rule="state_transition",
            state=str(state),
            event=str(event),
            allowed_events=[str(e) for e in allowed_events(state)],
        )
    return target


def moves(event: Event, among: frozenset[State]) -> dict[State, State]:
    """Source → target of ``event`` for the states in ``among`` (one entity's states)."""
    return {
        source: target
        for (source, ev), target in TRANSITIONS.items()
        if ev == event and source in among
    }


APPLICATION_STATES = frozenset({S.draft, S.submitted, S.under_review, S.approved, S.rejected})
PROJECT_STATES = frozenset({S.eligible, S.applied, S.not_submitted, S.continued, S.ended})
ASSESSMENT_STATES = frozenset({S.assigned, S.assessing, S.assessed})
