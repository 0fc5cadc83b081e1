"""Local governments (地方公共団体) as the API shows and takes them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from libs.common.fiscal_year import TOKYO
from libs.common.lg_code import LocalGovernmentKind


class LocalGovernmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(
        description="全国地方公共団体コード (six digits, the last a check digit)",
        examples=["112071"],
    )
    name: str = Field(description="団体名", examples=["秩父市"])
    kana: str = Field(description="団体名のカナ (full-width katakana)", examples=["チチブシ"])
    prefecture_code: str = Field(description="都道府県コード", examples=["11"])
    prefecture: str = Field(description="都道府県名", examples=["埼玉県"])
    kind: LocalGovernmentKind = Field(
        description="Derived from the code", examples=[LocalGovernmentKind.CITY]
    )
    is_core_city: bool = Field(description="中核市", examples=[False])
    is_central_core_city: bool = Field(description="中枢中核都市", examples=[False])
    created_at: datetime
    updated_at: datetime

    @field_serializer("created_at", "updated_at")
    def _in_tokyo(self, value: datetime) -> str:
        return value.astimezone(TOKYO).isoformat()


class LocalGovernmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        description="全国地方公共団体コード; full-width digits are accepted",
        examples=["112071"],
    )
    name: str = Field(min_length=1, max_length=100, examples=["秩父市"])
    kana: str = Field(
        default="",
        max_length=200,
        description="カナ; half-width katakana and hiragana are stored as full-width katakana",
        examples=["ﾁﾁﾌﾞｼ"],
    )
    is_core_city: bool = Field(default=False, description="中核市")
    is_central_core_city: bool = Field(default=False, description="中枢中核都市")


class LocalGovernmentUpdate(BaseModel):
    """Only the fields sent are changed; the code, prefecture and kind follow from the code."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100, examples=["秩父市"])
    kana: str | None = Field(default=None, max_length=200, examples=["チチブシ"])
    is_core_city: bool | None = Field(default=None, description="中核市")
    is_central_core_city: bool | None = Field(default=None, description="中枢中核都市")


class ImportResultOut(BaseModel):
    """Counts of one import; every row of the file is in exactly one of them."""

    created: int = Field(examples=[1741])
    updated: int = Field(examples=[3])
    unchanged: int = Field(examples=[50])
    total: int = Field(examples=[1794])
