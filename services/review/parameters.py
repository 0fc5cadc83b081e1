"""Path and query parameters the review's routes share, each described once for the contract."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path

CycleId = Annotated[uuid.UUID, Path(description="継続審査の回の ID（continuation cycle id）")]
ContinuationApplicationId = Annotated[
    uuid.UUID, Path(description="継続申請書の ID（continuation application id）")
]
AssignmentId = Annotated[uuid.UUID, Path(description="審査員の割当の ID（reviewer assignment id）")]
RoundId = Annotated[uuid.UUID, Path(description="合同審査の回の ID（joint-review round id）")]
JointApplicationId = Annotated[
    uuid.UUID, Path(description="合同審査の申請の ID（joint-review application id）")
]
SelectionId = Annotated[uuid.UUID, Path(description="選定の ID（selection id）")]
AliasId = Annotated[uuid.UUID, Path(description="組織の別名の ID（organisation alias id）")]
ReviewerSubject = Annotated[
    str,
    Path(
        description="審査員のトークンの sub（the reviewer's subject, percent-encoded in the path）",
        examples=["reviewer-yamada"],
    ),
]
