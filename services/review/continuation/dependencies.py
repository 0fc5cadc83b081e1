"""Who may call the continuation review's endpoints (the registry client and the clock are the
review service's, in ``services.review.dependencies``). A reviewer must be the registered reviewer
their token names (``services.review.reviewers.access``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from libs.common.auth import Principal, Role, require
from services.review.reviewers.access import require_caller

Municipality = Annotated[Principal, Depends(require(Role.municipality))]
AssignedReviewer = Annotated[Principal, Depends(require_caller(Role.reviewer))]
Reader = Annotated[
    Principal, Depends(require_caller(Role.operator, Role.municipality, Role.reviewer))
]
AssessmentReader = Annotated[Principal, Depends(require_caller(Role.operator, Role.reviewer))]
ApplicationReader = Annotated[Principal, Depends(require(Role.operator, Role.municipality))]
