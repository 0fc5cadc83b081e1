"""A round's body, checked whole: once its fields are well formed (the schema), every cross-field
rule and every programme the registry lacks is reported in one 422, not one per attempt.

The rules: the dates in order (公募開始 ≤ 締切 ≤ 審査期限 ≤ 公表日), each pair out of order naming
its later field; each participating programme known to the registry (by id or mark: the kernel's
one parser, ``libs.common.programmes``) and named once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from libs.common.errors import FieldProblem, InvalidInput
from libs.common.field_checks import invalid
from libs.common.programmes import resolve_programme
from services.review.joint_review.rounds.schemas import RoundCreate

_DATE_ORDER = "date_order"
# (later field, its Japanese name, the earlier field's Japanese name)
_PAIRS = (
    ("deadline_at", "締切", "公募開始日"),
    ("review_due_on", "審査期限", "締切"),
    ("announcement_on", "公表日", "審査期限"),
)


def _date_problems(body: RoundCreate) -> list[FieldProblem]:
    days: list[date] = [
        body.call_opens_on,
        body.deadline_at.date(),
        body.review_due_on,
        body.announcement_on,
    ]
    problems = []
    for (field, later, earlier), before, after in zip(_PAIRS, days[:-1], days[1:], strict=True):
        if after < before:
            problems.append(
                FieldProblem(
                    field=f"body.{field}",
                    rule=_DATE_ORDER,
                    message=f"{later}（{after}）は{earlier}（{before}）以降にしてください"
                    "（call opening ≤ deadline ≤ review due ≤ announcement）",
                )
            )
    return problems


def _programme_problems(
    body: RoundCreate, known: dict[str, Any]
) -> tuple[list[str | None], list[FieldProblem]]:
    """Each participating programme's registry id (None where unknown), and the problems."""
    refs = [(programme_id, str(p.get("mark", ""))) for programme_id, p in known.items()]
    ids: list[str | None] = []
    problems: list[FieldProblem] = []
    for index, item in enumerate(body.programmes):
        field = f"body.programmes.{index}.programme_id"
        try:
            programme_id: str | None = resolve_programme(
                item.programme_id, refs, field, refusal="台帳に事業がありません"
            )
        except InvalidInput as exc:
            problems += exc.errors or []
            programme_id = None
        if programme_id is not None and programme_id in ids:
            problems.append(
                FieldProblem(
                    field=field,
                    rule="duplicate",
                    message=f"事業が重複しています: {item.programme_id!r}（duplicate programme）",
                )
            )
        ids.append(programme_id)
    return ids, problems


def checked_programme_ids(body: RoundCreate, known: dict[str, Any]) -> list[str]:
    """The participating programmes' registry ids, in the body's order; or one 422 listing
    every broken rule of the body."""
    ids, problems = _programme_problems(body, known)
    problems = _date_problems(body) + problems
    if problems:
        raise invalid(problems)
    return [programme_id for programme_id in ids if programme_id is not None]
