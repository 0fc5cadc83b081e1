"""Field types of the review's request bodies that carry the bounds the server enforces, so the
contract states them: a local-government code's length, a programme reference's length (the
columns they are stored in). A fiscal year's bounds are the kernel's ``FiscalYearIn``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

LG_CODE_LENGTH = 6
PROGRAMME_REFERENCE_LENGTH = 40  # joint_round_programmes.programme_id, reviewers.programme


LgCodeIn = Annotated[str, Field(max_length=LG_CODE_LENGTH)]
"""A local-government code as given: its digits and check digit are the service's to check
(every bad code is named at once), its length the schema's."""

ProgrammeReference = Annotated[str, Field(max_length=PROGRAMME_REFERENCE_LENGTH)]
"""A programme by its registry id or its mark (``mirai-gijutsu``, ``☆``)."""
