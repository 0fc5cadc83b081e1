"""The state machine of a project's support (支援): its status and what may move it.

A project is selected ``supported`` (or ``extended``, for an imported record that already had
continuations). The review service extends its term or ends it (``POST …/term-extensions``,
``…/term-end``, ``/v1/projects/term-ends``); an operator withdraws it or corrects its selection
year, which derives the term again. ``ended`` and ``withdrawn`` are final, with two exceptions
for an end nobody decided: the registry's term sweep (``projects/expiry.py``) ends every project
whose term is over (``expire_term``, reason 支援期間満了), and the review's own decision about
such a project still lands — its end records the decision and reason (``confirm_end``), its
late-arriving approval continues the term without a gap (``extend_expired``). Those three are
internal: never offered in a 409. Every path fires its event here first, so a refusal is the one
409 (rule ``state_transition``) and docs/registry.md shows this same table (``jisso docs``).
"""

from __future__ import annotations

from enum import StrEnum

from libs.common.state_machine import StateMachine


# No docstring: it would become the description of the ProjectStatus component in the OpenAPI.
class ProjectStatus(StrEnum):
    supported = "supported"  # 支援中
    extended = "extended"  # 支援延長中（継続承認済み）
    ended = "ended"  # 支援終了
    withdrawn = "withdrawn"  # 取下げ


class ProjectEvent(StrEnum):
    extend_term = "extend_term"
    end_term = "end_term"
    withdraw = "withdraw"
    change_selection_year = "change_selection_year"
    expire_term = "expire_term"
    confirm_end = "confirm_end"
    extend_expired = "extend_expired"


STATUS_LABELS: dict[ProjectStatus, str] = {
    ProjectStatus.supported: "支援中",
    ProjectStatus.extended: "支援延長",
    ProjectStatus.ended: "支援終了",
    ProjectStatus.withdrawn: "取下げ",
}

S, E = ProjectStatus, ProjectEvent
EXTEND = "review service: continuation approved, two more fiscal years"
END = "review service: no or a rejected continuation; last day within the term"
WITHDRAW = "operator: `status: withdrawn`"
RESELECT = "operator: a new selection fiscal year derives the term again"
EXPIRE = "registry term sweep: the term ended before today (Asia/Tokyo); reason 支援期間満了"
CONFIRM = (
    "review service: its end of a project the sweep ended records the decision and its reason"
    " (the last day may move earlier within the term)"
)
EXTEND_EXPIRED = (
    "review service: an approved continuation that reaches a project the sweep ended"
    " continues the term without a gap"
)

PROJECT: StateMachine[ProjectStatus, ProjectEvent] = StateMachine(
    name="registry.project",
    subject="事業",
    subject_en="project",
    states=ProjectStatus,
    transitions={
        (S.supported, E.extend_term): S.extended,
        (S.extended, E.extend_term): S.extended,
        (S.supported, E.end_term): S.ended,
        (S.extended, E.end_term): S.ended,
        (S.supported, E.withdraw): S.withdrawn,
        (S.extended, E.withdraw): S.withdrawn,
        (S.supported, E.change_selection_year): S.supported,
        (S.extended, E.change_selection_year): S.extended,
        (S.supported, E.expire_term): S.ended,
        (S.extended, E.expire_term): S.ended,
        (S.ended, E.confirm_end): S.ended,
        (S.ended, E.extend_expired): S.extended,
    },
    labels=STATUS_LABELS,
    notes={
        (S.supported, E.extend_term): EXTEND,
        (S.extended, E.extend_term): EXTEND,
        (S.supported, E.end_term): END,
        (S.extended, E.end_term): END,
        (S.supported, E.withdraw): WITHDRAW,
        (S.extended, E.withdraw): WITHDRAW,
        (S.supported, E.change_selection_year): RESELECT,
        (S.extended, E.change_selection_year): RESELECT,
        (S.supported, E.expire_term): EXPIRE,
        (S.extended, E.expire_term): EXPIRE,
        (S.ended, E.confirm_end): CONFIRM,
        (S.ended, E.extend_expired): EXTEND_EXPIRED,
    },
    internal=frozenset({E.expire_term, E.confirm_end, E.extend_expired}),
)


# The status on a date (``status_as_of``) has one more value than the stored status.
STATUS_AS_OF_LABELS: dict[str, str] = {
    "not_started": "支援開始前",
    **{status.value: label for status, label in STATUS_LABELS.items()},
}
EXPIRY_REASON = "支援期間満了"


def initial_status(extensions: int) -> ProjectStatus:
    """A new project is supported; an imported older record with continuations, extended."""
    return ProjectStatus.extended if extensions else ProjectStatus.supported
