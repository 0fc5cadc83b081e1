"""The audit trail as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from libs.common.fiscal_year import TOKYO


def _in_tokyo(value: datetime) -> datetime:
    return value.astimezone(TOKYO)


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: Annotated[datetime, AfterValidator(_in_tokyo)] = Field(
        examples=["2021-12-17T10:00:00+09:00"]
    )
    actor: str = Field(examples=["operator:office-1"])
    action: str = Field(examples=["continuation_application.submitted"])
    subject_type: str = Field(examples=["continuation_application"])
    subject_id: str
    before: dict[str, Any] | None = Field(examples=[{"state": "draft"}])
    after: dict[str, Any] | None = Field(examples=[{"state": "submitted"}])
    request_id: str | None
