"""Local governments (地方公共団体) as the API shows and takes them."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, computed_field

from libs.common.japanese_input import DateIn, TokyoDatetime
from libs.common.lg_code import LocalGovernmentKind
from libs.common.omittable import Omittable
from services.registry.request_types import LG_CODE_HELP, LgCode

AS_OF_HELP = (
    "指定の基準日（as of）: the date of the official lists the flags were taken from; null "
    "when they were never set from a list (a false flag then means not recorded)"
)
SOURCE_HELP = (
    "指定の出典（source: the official lists, e.g. 総務省 中核市一覧（令和3年4月1日現在））"
)


CORE_CITY_HELP = "中核市（core city）"
CENTRAL_CORE_CITY_HELP = "中枢中核都市（central core city）"
NAME_HELP = "団体名（name of the local government）"
KANA_HELP = "団体名のカナ（reading in full-width katakana）"


class LocalGovernmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(
        description="全国地方公共団体コード（6桁、末尾は検査数字）"
        "（6-digit local government code, the last digit a check digit）",
        examples=["112071"],
    )
    name: str = Field(description=NAME_HELP, examples=["秩父市"])
    kana: str = Field(description=KANA_HELP, examples=["チチブシ"])
    prefecture_code: str = Field(
        description="都道府県コード（2-digit prefecture code）", examples=["11"]
    )
    prefecture: str = Field(description="都道府県名（prefecture）", examples=["埼玉県"])
    kind: LocalGovernmentKind = Field(
        description="団体の種類（kind of local government, derived from the code）",
        examples=[LocalGovernmentKind.CITY],
    )
    is_core_city: bool = Field(description=CORE_CITY_HELP, examples=[False])
    is_central_core_city: bool = Field(description=CENTRAL_CORE_CITY_HELP, examples=[False])
    designations_as_of: date | None = Field(description=AS_OF_HELP, examples=["2021-04-01"])
    designations_source: str | None = Field(
        description=SOURCE_HELP, examples=["総務省 中核市一覧（令和3年4月1日現在）"]
    )
    created_at: TokyoDatetime = Field(
        description="登録日時（created at, Asia/Tokyo）", examples=["2021-04-01T09:00:00+09:00"]
    )
    updated_at: TokyoDatetime = Field(
        description="更新日時（last changed at, Asia/Tokyo）",
        examples=["2021-04-01T09:00:00+09:00"],
    )

    @computed_field(description="政令指定都市 (from the code: its `kind` is designated_city)")
    def is_designated_city(self) -> bool:
        return self.kind == LocalGovernmentKind.DESIGNATED_CITY


class LocalGovernmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: LgCode = Field(
        description=LG_CODE_HELP + "; full-width digits are accepted", examples=["112071"]
    )
    name: str = Field(min_length=1, max_length=100, description=NAME_HELP, examples=["秩父市"])
    kana: str = Field(
        default="",
        max_length=200,
        description="団体名のカナ（reading）; half-width katakana and hiragana are stored as "
        "full-width katakana",
        examples=["ﾁﾁﾌﾞｼ"],
    )
    is_core_city: bool = Field(default=False, description=CORE_CITY_HELP, examples=[False])
    is_central_core_city: bool = Field(
        default=False, description=CENTRAL_CORE_CITY_HELP, examples=[False]
    )
    designations_as_of: DateIn | None = Field(
        default=None,
        description=AS_OF_HELP + "; with a flag set and none given, today",
        examples=[None],
    )
    designations_source: str | None = Field(
        default=None, max_length=300, description=SOURCE_HELP, examples=[None]
    )


class LocalGovernmentUpdate(BaseModel):
    """Only the fields sent are changed; the code, prefecture and kind follow from the code.
    ``designations_as_of`` and ``designations_source`` may be cleared with null, the others not."""

    model_config = ConfigDict(extra="forbid")

    name: Omittable[str] = Field(
        default=None, min_length=1, max_length=100, description=NAME_HELP, examples=["秩父市"]
    )
    kana: Omittable[str] = Field(
        default=None, max_length=200, description=KANA_HELP, examples=["チチブシ"]
    )
    is_core_city: Omittable[bool] = Field(default=None, description=CORE_CITY_HELP, examples=[True])
    is_central_core_city: Omittable[bool] = Field(
        default=None, description=CENTRAL_CORE_CITY_HELP, examples=[False]
    )
    designations_as_of: DateIn | None = Field(
        default=None,
        description=AS_OF_HELP + "; a flag changed without one: today",
        examples=["2021-04-01"],
    )
    designations_source: str | None = Field(
        default=None,
        max_length=300,
        description=SOURCE_HELP + "; a flag changed without one: null (the old source no longer "
        "backs the flags)",
        examples=["総務省 中核市一覧（令和3年4月1日現在）"],
    )


class ImportResultOut(BaseModel):
    """Counts of one import; every row of the file is in exactly one of them."""

    created: int = Field(description="登録した団体の数（local governments added）", examples=[1741])
    updated: int = Field(description="更新した団体の数（local governments changed）", examples=[3])
    unchanged: int = Field(
        description="変更のなかった団体の数（rows that changed nothing）", examples=[50]
    )
    total: int = Field(description="行数（rows in the file）", examples=[1794])


class Designations(BaseModel):
    """中核市・中枢中核都市 as of a date, from a source."""

    is_core_city: bool = Field(description=CORE_CITY_HELP, examples=[True])
    is_central_core_city: bool = Field(description=CENTRAL_CORE_CITY_HELP, examples=[True])
    as_of: date | None = Field(description=AS_OF_HELP, examples=["2021-04-01"])
    source: str | None = Field(
        description=SOURCE_HELP, examples=["総務省 中核市一覧（令和3年4月1日現在）"]
    )


class DesignationChangeOut(BaseModel):
    """One local government whose designations an import changes (or would, in a dry run)."""

    code: str = Field(
        description="全国地方公共団体コード（6-digit local government code）", examples=["162019"]
    )
    name: str = Field(description=NAME_HELP, examples=["富山市"])
    before: Designations = Field(description="取込み前の指定（designations before）")
    after: Designations = Field(description="取込み後の指定（designations after）")


class DesignationImportOut(BaseModel):
    """What a designation import did (or, with ``dry_run``, would do); every row is in exactly
    one count."""

    dry_run: bool = Field(
        description="試行（dry run: checked and reported, nothing written）", examples=[False]
    )
    changed: int = Field(
        description="指定が変わる団体の数（rows that change designations）", examples=[3]
    )
    unchanged: int = Field(description="変更のない行の数（rows that change nothing）", examples=[4])
    kept_newer: int = Field(
        description="適用しなかった行の数（rows not applied: the stored designations are of a "
        "later 基準日）",
        examples=[0],
    )
    total: int = Field(description="行数（rows in the file）", examples=[7])
    changes: list[DesignationChangeOut] = Field(
        description="指定が変わる団体（each local government whose designations change）"
    )
    kept_newer_codes: list[str] = Field(
        description="適用しなかった団体のコード（codes of the rows kept_newer counts）",
        examples=[[]],
    )
