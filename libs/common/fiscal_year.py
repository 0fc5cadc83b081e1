"""Fiscal year (年度) and Japanese era (和暦) handling, always in Asia/Tokyo.

A fiscal year runs from 1 April to 31 March and is named by the calendar year in which it
starts: FY2021 (令和3年度) is 2021-04-01 – 2022-03-31.

Supported eras are 令和 (Reiwa, R), 平成 (Heisei, H) and 昭和 (Showa, S).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")

MIN_YEAR = 1900
MAX_YEAR = 2100

SUPPORT_TERM_FISCAL_YEARS = 3  # 支援期間: FY N, N+1 and N+2
EXTENSION_FISCAL_YEARS = 2  # 継続: each approved continuation

_ACCEPTED_FORMS = "accepted: 2021, R3, 令和3年度, R元, H30, 平成30年度"
_ACCEPTED_DATE_FORMS = "accepted: 令和3年12月17日, R3.12.17, 2021-12-17, 2021/12/17, 2021年12月17日"


@dataclass(frozen=True)
class Era:
    """A Japanese era (元号)."""

    name: str
    letter: str
    romaji: str
    first_day: date
    last_day: date | None

    @property
    def first_year(self) -> int:
        """Western year of the era's first year (元年)."""
        return self.first_day.year

    @property
    def last_year_number(self) -> int:
        """Highest era-year number that names a year (H31, S64; R82 = 2100)."""
        last_western = self.last_day.year if self.last_day else MAX_YEAR
        return last_western - self.first_year + 1


# Newest first, so the first match for a year or date is the current era.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", "Reiwa", date(2019, 5, 1), None),
    Era("平成", "H", "Heisei", date(1989, 1, 8), date(2019, 4, 30)),
    Era("昭和", "S", "Showa", date(1926, 12, 25), date(1989, 1, 7)),
)
_ERA_BY_KEY: dict[str, Era] = {key: era for era in ERAS for key in (era.name, era.letter)}
_ERA_ALTERNATION = "|".join(re.escape(key) for key in _ERA_BY_KEY)

_WESTERN_FY = re.compile(r"(?:FY)?(?P<year>[0-9]{4})(?:年度)?")
_ERA_FY = re.compile(rf"(?P<era>{_ERA_ALTERNATION})(?P<year>[0-9]{{1,2}}|元)(?:年度|年)?")
_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(
        rf"(?P<era>{_ERA_ALTERNATION})?(?P<year>[0-9]{{1,4}}|元)"
        r"年(?P<month>[0-9]{1,2})月(?P<day>[0-9]{1,2})日"
    ),
    re.compile(
        rf"(?P<era>{_ERA_ALTERNATION})?(?P<year>[0-9]{{1,4}}|元)"
        r"(?P<sep>[./-])(?P<month>[0-9]{1,2})(?P=sep)(?P<day>[0-9]{1,2})"
    ),
)


class _InputError(ValueError):
    """Refused input; ``value`` is the input as given, the message is Japanese then English."""

    def __init__(self, value: object, message: str) -> None:
        super().__init__(message)
        self.value = value
        self.message = message


class FiscalYearError(_InputError):
    """A value that is not a valid fiscal year (年度)."""


class JapaneseDateError(_InputError):
    """A value that is not a valid date (日付)."""


def now_tokyo() -> datetime:
    """Current time as an aware datetime in Asia/Tokyo."""
    return datetime.now(TOKYO)


def today_tokyo() -> date:
    """Today's date in Asia/Tokyo (not the server's local date)."""
    return now_tokyo().date()


def as_tokyo_date(d: date) -> date:
    """The Tokyo calendar date of ``d``; aware datetimes are converted, naive ones taken as is."""
    if isinstance(d, datetime):
        return d.astimezone(TOKYO).date() if d.tzinfo is not None else d.date()
    return d


def _normalise(value: str) -> str:
    # NFKC folds full-width digits/letters and era ligatures such as ㍻ and ㋿.
    text = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in text if not ch.isspace()).upper()


def _check_fiscal_year(value: object, fy: int) -> int:
    if not MIN_YEAR <= fy <= MAX_YEAR:
        raise FiscalYearError(
            value,
            f"年度は{MIN_YEAR}〜{MAX_YEAR}の範囲で指定してください: {value!r}"
            f"（fiscal year must be between {MIN_YEAR} and {MAX_YEAR}）",
        )
    return fy


def _era_year_number(value: object, era: Era, year_text: str) -> int:
    """Era-year number from ``元`` or digits; refuses 0 and years after the era ended."""
    number = 1 if year_text == "元" else int(year_text)
    if number < 1:
        raise FiscalYearError(
            value,
            f"和暦の年は元年（1年）から始まります: {value!r}"
            f"（era year must be 1 or more; write 元 or 1 for the first year）",
        )
    if number > era.last_year_number and era.last_day is None:
        raise FiscalYearError(
            value,
            f"{era.name}{number}年は{MAX_YEAR}年より後です: {value!r}"
            f"（{era.romaji} {number} is after {MAX_YEAR}, the last supported year）",
        )
    if number > era.last_year_number:
        raise FiscalYearError(
            value,
            f"{era.name}は{era.last_year_number}年までです: {value!r}"
            f"（{era.romaji} era years end at {era.last_year_number}）",
        )
    return number


def parse_fiscal_year(value: str | int) -> int:
    """Parse a fiscal year (年度) such as ``2021``, ``FY2021``, ``R3``, ``令和3年度`` or ``R元``.

    ``H31``/``平成31年度`` give 2019, the year Reiwa began. Raises :class:`FiscalYearError`.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FiscalYearError(value, f"年度として解釈できません: {value!r}（{_ACCEPTED_FORMS}）")
    if isinstance(value, int):
        return _check_fiscal_year(value, value)
    text = _normalise(value)
    if not text:
        raise FiscalYearError(
            value, f"年度が指定されていません（empty fiscal year; {_ACCEPTED_FORMS}）"
        )
    western = _WESTERN_FY.fullmatch(text)
    if western:
        return _check_fiscal_year(value, int(western["year"]))
    era_match = _ERA_FY.fullmatch(text)
    if era_match:
        era = _ERA_BY_KEY[era_match["era"]]
        number = _era_year_number(value, era, era_match["year"])
        return _check_fiscal_year(value, era.first_year + number - 1)
    raise FiscalYearError(value, f"年度として解釈できません: {value!r}（{_ACCEPTED_FORMS}）")


def _era_of_fiscal_year(fy: int) -> Era:
    _check_fiscal_year(fy, fy)
    for era in ERAS:
        # An era names every fiscal year starting in or after its first calendar year:
        # FY2019 is officially 令和元年度 although 1 April 2019 was still Heisei.
        if fy >= era.first_year:
            return era
    raise FiscalYearError(
        fy,
        f"昭和より前の年度は和暦で表せません: {fy!r}"
        "（fiscal years before 1926 have no supported era）",
    )


def fiscal_year_label(fy: int) -> str:
    """Japanese label: ``令和3年度``; the first year of an era is 元年 (``令和元年度``)."""
    era = _era_of_fiscal_year(fy)
    number = fy - era.first_year + 1
    return f"{era.name}{'元' if number == 1 else number}年度"


def fiscal_year_short_label(fy: int) -> str:
    """Short label: ``R3``, ``R1``, ``H30``."""
    era = _era_of_fiscal_year(fy)
    return f"{era.letter}{fy - era.first_year + 1}"


def fiscal_year_of(d: date) -> int:
    """The fiscal year containing ``d`` (1 April – 31 March); datetimes are taken in Tokyo."""
    day = as_tokyo_date(d)
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_start(fy: int) -> date:
    """First day of fiscal year ``fy``: 1 April."""
    return date(_check_fiscal_year(fy, fy), 4, 1)


def fiscal_year_end(fy: int) -> date:
    """Last day of fiscal year ``fy``: 31 March of the next calendar year."""
    return date(_check_fiscal_year(fy, fy) + 1, 3, 31)


def _unparseable_date(value: object) -> JapaneseDateError:
    return JapaneseDateError(
        value, f"日付として解釈できません: {value!r}（{_ACCEPTED_DATE_FORMS}）"
    )


def _date_or_error(value: str, year: int, month: int, day: int) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise JapaneseDateError(
            value,
            f"年は{MIN_YEAR}〜{MAX_YEAR}の範囲で指定してください: {value!r}"
            f"（year must be between {MIN_YEAR} and {MAX_YEAR}）",
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise JapaneseDateError(
            value, f"存在しない日付です: {value!r}（no such date: {year}-{month:02}-{day:02}）"
        ) from None


def _era_date(value: str, era: Era, year_text: str, month: int, day: int) -> date:
    if len(year_text) > 2:
        raise _unparseable_date(value)
    try:
        number = _era_year_number(value, era, year_text)
    except FiscalYearError as exc:
        raise JapaneseDateError(value, exc.message) from None
    result = _date_or_error(value, era.first_year + number - 1, month, day)
    if result < era.first_day or (era.last_day is not None and result > era.last_day):
        span = f"{era.first_day.isoformat()} – " + (
            era.last_day.isoformat() if era.last_day else "present"
        )
        raise JapaneseDateError(
            value,
            f"{era.name}の期間外の日付です: {value!r}（date outside the {era.romaji} era, {span}）",
        )
    return result


def parse_japanese_date(value: str) -> date:
    """Parse a date (日付) in Japanese or ISO style.

    Forms: ``令和3年12月17日``, ``R3.12.17``, ``2021-12-17``, ``2021/12/17``, ``2021年12月17日``.

    Full-width digits are accepted. Dates outside their era (``令和1年4月1日``) and impossible
    dates are refused with :class:`JapaneseDateError`.
    """
    if not isinstance(value, str):
        raise _unparseable_date(value)
    text = _normalise(value)
    if not text:
        raise JapaneseDateError(
            value, f"日付が指定されていません（empty date; {_ACCEPTED_DATE_FORMS}）"
        )
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        month, day = int(match["month"]), int(match["day"])
        if match["era"] is not None:
            return _era_date(value, _ERA_BY_KEY[match["era"]], match["year"], month, day)
        if len(match["year"]) == 4:
            return _date_or_error(value, int(match["year"]), month, day)
    raise _unparseable_date(value)


def format_japanese_date(d: date) -> str:
    """Format as ``令和3年12月17日`` (``令和元年5月1日`` for the first year); datetimes in Tokyo."""
    day = as_tokyo_date(d)
    for era in ERAS:
        if day >= era.first_day:
            number = day.year - era.first_year + 1
            return f"{era.name}{'元' if number == 1 else number}年{day.month}月{day.day}日"
    raise JapaneseDateError(
        d,
        f"昭和より前の日付は和暦で表せません: {d.isoformat()}"
        "（dates before 1926-12-25 have no supported era）",
    )


def _check_extensions(extensions: int) -> int:
    if isinstance(extensions, bool) or not isinstance(extensions, int) or extensions < 0:
        raise ValueError(
            f"継続回数は0以上の整数です: {extensions!r}"
            "（extensions must be a non-negative integer）"
        )
    return extensions


def support_term_start(selection_fy: int) -> date:
    """支援期間の開始: 1 April of the fiscal year of selection."""
    return fiscal_year_start(selection_fy)


def last_supported_fiscal_year(selection_fy: int, extensions: int = 0) -> int:
    """Last fiscal year of support: FY N+2, plus two fiscal years per approved continuation."""
    _check_fiscal_year(selection_fy, selection_fy)
    return (
        selection_fy
        + SUPPORT_TERM_FISCAL_YEARS
        - 1
        + EXTENSION_FISCAL_YEARS * _check_extensions(extensions)
    )


def support_term_end(selection_fy: int, extensions: int = 0) -> date:
    """支援期間の終了: 31 March ending the last supported fiscal year (H30 → 2021-03-31)."""
    return date(last_supported_fiscal_year(selection_fy, extensions) + 1, 3, 31)
