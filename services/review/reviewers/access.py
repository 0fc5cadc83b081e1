"""審査員のアクセス — what a ``reviewer`` token may reach, one rule for both reviews.

1. Registered. A reviewer token acts only as the reviewer row the office registered: the row's
   subject is the token's ``sub`` and its programme the token's ``programme`` claim. A row without
   a programme is a continuation-only reviewer, whose token claims the continuation review's
   programme, ☆. Anything else is a 403 before a single row of the review is read — a
   ``programme`` claim alone opens nothing. Every review route a reviewer may call takes its
   caller from :func:`require_caller` (the role aliases of ``continuation/dependencies.py`` and
   ``joint_review/dependencies.py``), so no route can forget it.
2. A conflict of interest hides. An application the reviewer is conflicted on (``conflicts.py``,
   organisations compared by identity with the office's aliases: ``organisations.py``) is not
   theirs to see: 404 on it and on everything under it, and absent from lists — as an
   application of another programme is. Each review asks :func:`conflict_judge` where it decides
   what a reviewer sees (the continuation review with the council as it is now, which may have
   grown since the assignment; the joint review with the applying region).
3. A conflict of interest refuses a write. Saving or submitting an assessment of an application
   that would be the reviewer's but for a conflict (assigned to them; of their programme) is a
   403 naming the rule ``conflict_of_interest`` and the reasons (:func:`refuse_conflicted`),
   and nothing is stored: the reviewer was told of the application, so a 404 would only puzzle
   them, and the office must learn the conflict to withdraw the assignment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role, require
from libs.common.errors import Forbidden
from libs.common.unit_of_work import SessionDep
from services.review.reviewers import repository
from services.review.reviewers.aliases.repository import alias_map
from services.review.reviewers.conflicts import ConflictSubject, conflict_reasons
from services.review.reviewers.models import Reviewer

# The continuation review is 未来技術社会実装事業's, by the registry's mark.
CONTINUATION_PROGRAMME = "☆"


def token_matches(reviewer: Reviewer, principal: Principal) -> bool:
    """A continuation-only row matches ☆; a joint-review row its programme by id or by mark
    (the office registers by either, and a token minted with ``--programme ☆`` is as good)."""
    if reviewer.programme is None:
        return principal.programme == CONTINUATION_PROGRAMME
    return principal.programme in (reviewer.programme, reviewer.programme_mark)


async def registered_reviewer(session: AsyncSession, principal: Principal) -> Reviewer:
    """The reviewer row the token names (the session's identity map makes a second call free)."""
    reviewer = await repository.get(session, principal.subject)
    if reviewer is None or not token_matches(reviewer, principal):
        raise Forbidden(
            "この事業の審査員として登録されていません"
            "（no reviewer record for this subject and programme）",
            programme=principal.programme,
        )
    return reviewer


def require_caller(*roles: Role, joint_review: bool = False) -> Callable[..., Awaitable[Principal]]:
    """``libs.common.auth.require``, and a reviewer must be registered (rule 1 above); on a
    ``joint_review`` route, registered for a programme (a continuation-only reviewer has none
    there: a 403, not an empty list that reads as "nothing to review")."""
    allowed = require(*roles)

    # A default, not an ``Annotated`` hint: the hint would be a string (``from __future__``) that
    # FastAPI resolves in the module's globals, where ``allowed`` is not.
    async def dependency(session: SessionDep, principal: Principal = Depends(allowed)) -> Principal:
        if principal.role is not Role.reviewer:
            return principal
        reviewer = await registered_reviewer(session, principal)
        if joint_review and reviewer.programme is None:
            raise Forbidden(
                "合同審査の審査員として登録されていません（a continuation-only reviewer has no "
                "joint-review programme）",
                programme=principal.programme,
            )
        # Downstream compares the claim with programme ids: a mark becomes the registered id.
        return replace(principal, programme=reviewer.programme or principal.programme)

    return dependency


ConflictJudge = Callable[[Reviewer, ConflictSubject], list[str]]


async def conflict_judge(session: AsyncSession) -> ConflictJudge:
    """The reasons a reviewer is conflicted on a subject (rule 2), with the office's aliases as
    they are in this transaction (read once per request)."""
    aliases = await alias_map(session)

    def reasons(reviewer: Reviewer, subject: ConflictSubject) -> list[str]:
        return conflict_reasons(
            organisation=reviewer.organisation,
            lg_code=reviewer.lg_code,
            subject=subject,
            aliases=aliases,
        )

    return reasons


def refuse_conflicted(reviewer: Reviewer, reasons: list[str]) -> None:
    """Rule 3: a write by a conflicted reviewer is a 403 naming the rule and its reasons."""
    if reasons:
        raise Forbidden(
            "利益相反のため評価できません（conflict of interest: the assessment is not stored）: "
            + " / ".join(reasons),
            rule="conflict_of_interest",
            reviewer_subject=reviewer.subject,
            reasons=reasons,
        )
