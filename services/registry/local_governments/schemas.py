"""Local governments (地方公共団体) as the API shows and takes them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_serializer

from libs.common.fiscal_year import TOKYO
from libs.common.japanese_input import DateIn
from libs.common.lg_code import LocalGovernmentKind

AS_OF_HELP = (
    "指定の基準日: the date of the official lists the flags were taken from; null when they were "
    "never set from a list (a false flag then means not recorded)"
)
SOURCE_HELP = "指定の出典 (the official lists, e.g. 総務省 中核市一覧（令和3年4月1日現在）)"


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
    designations_as_of: date | None = Field(description=AS_OF_HELP, examples=["2021-04-01"])
    designations_source: str | None = Field(description=SOURCE_HELP)
    created_at: datetime
    updated_at: datetime

    @computed_field(description="政令指定都市 (from the code: its `kind` is designated_city)")
    def is_designated_city(self) -> bool:
        return self.kind == LocalGovernmentKind.DESIGNATED_CITY

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
    designations_as_of: DateIn | None = Field(
        default=None, description=AS_OF_HELP + "; with a flag set and none given, today"
    )
    designations_source: str | None = Field(default=None, max_length=300, description=SOURCE_HELP)


class LocalGovernmentUpdate(BaseModel):
    """Only the fields sent are changed; the code, prefecture and kind follow from the code."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100, examples=["秩父市"])
    kana: str | None = Field(default=None, max_length=200, examples=["チチブシ"])
    is_core_city: bool | None = Field(default=None, description="中核市")
    is_central_core_city: bool | None = Field(default=None, description="中枢中核都市")
    designations_as_of: DateIn | None = Field(
        default=None, description=AS_OF_HELP + "; a flag changed without one: today"
    )
    designations_source: str | None = Field(
        default=None,
        max_length=300,
        description=SOURCE_HELP + "; a flag changed without one: null (the old source no longer "
        "backs the flags)",
    )


class ImportResultOut(BaseModel):
    """Counts of one import; every row of the file is in exactly one of them."""

    created: int = Field(examples=[1741])
    updated: int = Field(examples=[3])
    unchanged: int = Field(examples=[50])
    total: int = Field(examples=[1794])


class Designations(BaseModel):
    """中核市・中枢中核都市 as of a date, from a source."""

    is_core_city: bool = Field(description="中核市")
    is_central_core_city: bool = Field(description="中枢中核都市")
    as_of: date | None = Field(description=AS_OF_HELP, examples=["2021-04-01"])
    source: str | None = Field(description=SOURCE_HELP)


class DesignationChangeOut(BaseModel):
    """One local government whose designations an import changes (or would, in a dry run)."""

    code: str = Field(examples=["162019"])
    name: str = Field(examples=["富山市"])
    before: Designations
    after: Designations


class DesignationImportOut(BaseModel):
    """What a designation import did (or, with ``dry_run``, would do); every row is in exactly
    one count."""

    dry_run: bool = Field(examples=[False])
    changed: int = Field(examples=[3])
    unchanged: int = Field(examples=[4])
    kept_newer: int = Field(
        description="Rows not applied: the stored designations are of a later 基準日",
        examples=[0],
    )
    total: int = Field(examples=[7])
    changes: list[DesignationChangeOut]
    kept_newer_codes: list[str] = Field(examples=[[]])
