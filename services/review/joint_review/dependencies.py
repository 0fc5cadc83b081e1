"""Request dependencies of the joint review: who may call (the registry client and the clock are
the review service's, in ``services.review.dependencies``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from libs.common.auth import Principal, Role, require
from services.review.reviewers.access import require_caller

# Every alias that lets a reviewer in checks that the reviewer is registered for the token's
# programme (services.review.reviewers.access); where a reviewer acts as one of the joint review,
# a continuation-only reviewer is refused. Public reads (rounds, published results) take anyone.
Applicant = Annotated[Principal, Depends(require(Role.operator, Role.municipality))]
Reviewer = Annotated[Principal, Depends(require_caller(Role.reviewer, joint_review=True))]
Assessor = Annotated[
    Principal, Depends(require_caller(Role.operator, Role.reviewer, joint_review=True))
]
Participant = Annotated[
    Principal,
    Depends(require_caller(Role.operator, Role.reviewer, Role.municipality, joint_review=True)),
]
Anyone = Annotated[
    Principal,
    Depends(
        require_caller(
            Role.operator,
            Role.reviewer,
            Role.municipality,
            Role.partner,
            Role.service,
        )
    ),
]
