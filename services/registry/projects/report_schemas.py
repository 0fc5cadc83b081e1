"""Yearly activity reports (年度の主な取組) of projects as the API reads and writes them."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from services.registry.projects.schemas import PROJECT_ID_HELP
from services.registry.request_types import LONG_TEXT_MAX

_REPORT_EXAMPLE = "地域課題やニーズ把握を目的に、大滝地域の住民向けにアンケートを実施"


class ActivityReportIn(BaseModel):
    body: str = Field(
        min_length=1,
        max_length=LONG_TEXT_MAX,
        description="年度の主な取組（the year's main activities, as the project reports them）",
        examples=[_REPORT_EXAMPLE],
    )


class ActivityReportOut(BaseModel):
    project_id: uuid.UUID = Field(description=PROJECT_ID_HELP)
    fiscal_year: int = Field(description="報告の年度（fiscal year reported on）", examples=[2020])
    fiscal_year_label: str = Field(
        description="年度の和暦表記（Japanese label of the fiscal year）", examples=["令和2年度"]
    )
    body: str = Field(
        description="年度の主な取組（the year's main activities）", examples=[_REPORT_EXAMPLE]
    )
    version: int = Field(description="版（version）: raised by every change", examples=[1])
