"""The joint review's state machines, one table each, enforced on every path.

Two things have a state. A round (合同審査の回) takes applications, assessments and selections while
open, is closed by an operator (selections final) and is published at its announcement day. An
application's place in each programme it applied to (申請先の事業ごと) is either applied or
selected; the programme selects it, or takes the selection back, while the round is open. The events
are one vocabulary, since one act (a selection) is checked against both machines.

Neither state is a column of its own, so no migration was needed: a round's state is its
``status`` (``open`` | ``closed``, as stored since the first round) and ``published`` once
``published_at`` is set (``JointReviewRound.state``); an application's state in a programme is
whether that programme's ``JointSelection`` row exists. Endpoints call ``MACHINE.fire``; the
publication sweep selects its rounds from ``ROUND.sources``; docs/review.md shows the same tables,
generated from these (``jisso docs``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from libs.common.state_machine import StateMachine


class JointRoundState(StrEnum):
    """合同審査の回の状態（a joint-review round's state）"""

    open = "open"
    closed = "closed"
    published = "published"


class JointApplicationState(StrEnum):
    """申請の、申請先の事業ごとの状態（an application's state in one programme it applied to）"""

    applied = "applied"
    selected = "selected"


class JointReviewEvent(StrEnum):
    submit_application = "submit_application"
    assess = "assess"
    select = "select"
    withdraw_selection = "withdraw_selection"
    close = "close"
    publish = "publish"


R, A, E = JointRoundState, JointApplicationState, JointReviewEvent

ROUND: StateMachine[JointRoundState, JointReviewEvent] = StateMachine(
    name="joint_review.round",
    subject="合同審査の回",
    subject_en="joint review round",
    states=JointRoundState,
    transitions={
        (R.open, E.submit_application): R.open,
        (R.open, E.assess): R.open,
        (R.open, E.select): R.open,
        (R.open, E.withdraw_selection): R.open,
        (R.open, E.close): R.closed,
        (R.closed, E.publish): R.published,
    },
    labels={
        R.open: "受付・審査中",
        R.closed: "締切（選定確定）",
        R.published: "公表済み",
    },
    notes={
        (R.open, E.submit_application): "operator or the lead municipality, within the window",
        (R.open, E.assess): "the programme's registered reviewer",
        (R.open, E.select): "operator, within the programme's quota and budget",
        (R.open, E.withdraw_selection): "operator",
        (R.open, E.close): "operator (If-Match); before the deadline only forced, with a reason; "
        "publishes at once if the announcement day came",
        (R.closed, E.publish): "the announcement day: at close, or the sweep",
    },
    internal=frozenset({E.publish}),
)

APPLICATION: StateMachine[JointApplicationState, JointReviewEvent] = StateMachine(
    name="joint_review.application",
    subject="申請（申請先の事業ごと）",
    subject_en="joint review application (for one programme)",
    states=JointApplicationState,
    transitions={
        (A.applied, E.select): A.selected,
        (A.selected, E.withdraw_selection): A.applied,
    },
    labels={A.applied: "申請中（未選定）", A.selected: "選定"},
    notes={
        (A.applied, E.select): "operator, while the round is open",
        (A.selected, E.withdraw_selection): "operator, while the round is open",
    },
)

MACHINES: list[StateMachine[Any, Any]] = [ROUND, APPLICATION]
