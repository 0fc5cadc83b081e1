"""The state machine of a project's support (支援): its status and what may move it.

A project is selected ``supported`` (or ``extended``, for an imported record that already had
continuations). The review service extends its term or ends it (``POST …/term-extensions``,
``…/term-end``, ``/v1/projects/term-ends``); an operator withdraws it or corrects its selection
year, which derives the term again. ``ended`` and ``withdrawn`` are final. A project whose term
simply runs out keeps its row as it is: ``status_as_of`` answers ``ended`` from the dates, and the
review service's sweep ends it here at the term end when no continuation was approved.
Every path fires its event here first, so a refusal is the one 409 (rule ``state_transition``)
and docs/registry.md shows this same table (``jisso docs``).
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
    },
)


def initial_status(extensions: int) -> ProjectStatus:
    """A new project is supported; an imported older record with continuations, extended."""
    return ProjectStatus.extended if extensions else ProjectStatus.supported
