"""Who may call the continuation review's endpoints (the registry client and the clock are the
review service's, in ``services.review.dependencies``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from libs.common.auth import Principal, Role, require

Municipality = Annotated[Principal, Depends(require(Role.municipality))]
AssignedReviewer = Annotated[Principal, Depends(require(Role.reviewer))]
Reader = Annotated[Principal, Depends(require(Role.operator, Role.municipality, Role.reviewer))]
ApplicationReader = Annotated[Principal, Depends(require(Role.operator, Role.municipality))]
