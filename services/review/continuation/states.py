"""The continuation review's state machines, one table each, enforced on every path.

Three things have a state: an application (継続申請書), the place of an eligible project in a
cycle (対象事業), and a reviewer's assessment of an application (評価). Each has its own states
and table; the events are one vocabulary, since one act (a submission, a decision) moves an
application and its project together. Endpoints call ``MACHINE.fire``; sweeps build their
set-based ``UPDATE … WHERE state = source`` from ``MACHINE.moves``; docs/review.md shows the same
tables, generated from these (``jisso docs``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from libs.common.state_machine import StateMachine


class ContinuationApplicationState(StrEnum):
    """継続申請書の状態（a continuation application's state）"""

    draft = "draft"
    submitted = "submitted"
    under_review = "under_review"
    approved = "approved"
    rejected = "rejected"


class EligibleProjectState(StrEnum):
    """対象事業の状態（an eligible project's place in a cycle）"""

    eligible = "eligible"
    applied = "applied"
    not_submitted = "not_submitted"
    continued = "continued"
    ended = "ended"


class ContinuationAssessmentState(StrEnum):
    """評価の状態（the state of a reviewer's assessment of one application）"""

    assigned = "assigned"
    assessing = "assessing"
    assessed = "assessed"
    withdrawn = "withdrawn"


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
    withdraw = "withdraw"


A, P, R, E = (
    ContinuationApplicationState,
    EligibleProjectState,
    ContinuationAssessmentState,
    Event,
)
LEAD = "lead proposer, until the deadline (or grace)"

APPLICATION: StateMachine[ContinuationApplicationState, Event] = StateMachine(
    name="continuation.application",
    subject="継続申請書",
    subject_en="continuation application",
    states=ContinuationApplicationState,
    transitions={
        (A.draft, E.edit): A.draft,
        (A.draft, E.submit): A.submitted,
        (A.submitted, E.assign): A.under_review,
        (A.submitted, E.review_start): A.under_review,
        (A.under_review, E.assign): A.under_review,
        (A.under_review, E.assess): A.under_review,
        (A.under_review, E.withdraw): A.under_review,
        (A.under_review, E.approve): A.approved,
        (A.under_review, E.reject): A.rejected,
    },
    labels={
        A.draft: "下書き",
        A.submitted: "提出済み",
        A.under_review: "審査中",
        A.approved: "継続承認",
        A.rejected: "継続不承認",
    },
    notes={
        (A.draft, E.edit): LEAD,
        (A.draft, E.submit): LEAD,
        (A.submitted, E.assign): "operator: the first reviewer",
        (A.submitted, E.review_start): "sweep: the deadline has passed",
        (A.under_review, E.assign): "operator",
        (A.under_review, E.assess): "assigned reviewer",
        (A.under_review, E.withdraw): "operator withdraws an assignment (a decided one keeps all)",
        (A.under_review, E.approve): "operator",
        (A.under_review, E.reject): "operator",
    },
    internal=frozenset({E.review_start}),
)

ELIGIBLE_PROJECT: StateMachine[EligibleProjectState, Event] = StateMachine(
    name="continuation.eligible_project",
    subject="対象事業",
    subject_en="eligible project",
    states=EligibleProjectState,
    transitions={
        (P.eligible, E.start_draft): P.eligible,
        (P.not_submitted, E.start_draft): P.not_submitted,
        (P.eligible, E.submit): P.applied,
        (P.not_submitted, E.submit): P.applied,
        (P.eligible, E.deadline_passed): P.not_submitted,
        (P.applied, E.approve): P.continued,
        (P.applied, E.reject): P.applied,
        (P.applied, E.term_ended): P.ended,
        (P.not_submitted, E.term_ended): P.ended,
    },
    labels={
        P.eligible: "継続申請対象",
        P.applied: "申請済み",
        P.not_submitted: "未申請",
        P.continued: "支援延長",
        P.ended: "支援終了",
    },
    notes={
        (P.eligible, E.start_draft): "lead proposer drafts",
        (P.not_submitted, E.start_draft): "lead proposer, under a grace period",
        (P.eligible, E.submit): "its application is submitted",
        (P.not_submitted, E.submit): "late, under a grace period",
        (P.eligible, E.deadline_passed): "sweep: no submission, no open grace period",
        (P.applied, E.approve): "operator approves",
        (P.applied, E.reject): "operator rejects: ends at term end",
        (P.applied, E.term_ended): "sweep: term over without an approved continuation",
        (P.not_submitted, E.term_ended): "sweep: term over",
    },
    internal=frozenset({E.deadline_passed, E.term_ended}),
)

ASSESSMENT: StateMachine[ContinuationAssessmentState, Event] = StateMachine(
    name="continuation.assessment",
    subject="評価",
    subject_en="assessment",
    states=ContinuationAssessmentState,
    transitions={
        (R.assigned, E.save_assessment): R.assessing,
        (R.assessing, E.save_assessment): R.assessing,
        (R.assessing, E.submit_assessment): R.assessed,
        (R.assigned, E.withdraw): R.withdrawn,
        (R.assessing, E.withdraw): R.withdrawn,
        (R.assessed, E.withdraw): R.withdrawn,
        (R.withdrawn, E.assign): R.assigned,
    },
    labels={
        R.assigned: "未評価",
        R.assessing: "評価中（下書き）",
        R.assessed: "評価提出済み",
        R.withdrawn: "割当撤回",
    },
    notes={
        (R.assigned, E.save_assessment): "assigned reviewer",
        (R.assessing, E.save_assessment): "assigned reviewer (If-Match)",
        (R.assessing, E.submit_assessment): "assigned reviewer (If-Match)",
        (R.assigned, E.withdraw): "operator (If-Match, reason)",
        (R.assessing, E.withdraw): "operator: the draft is discarded (kept in the audit trail)",
        (R.assessed, E.withdraw): "operator: no longer counts (kept in the audit trail)",
        (R.withdrawn, E.assign): "operator assigns the reviewer again (conflicts checked anew)",
    },
)

MACHINES: list[StateMachine[Any, Any]] = [APPLICATION, ELIGIBLE_PROJECT, ASSESSMENT]
