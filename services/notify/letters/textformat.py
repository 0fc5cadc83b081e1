"""Dates, times and symposium facts as the letters write them: 令和4年2月17日（木）13:30〜15:00,
JST."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from libs.common.errors import InvalidInput
from libs.common.fiscal_year import TOKYO, fiscal_year_label, format_japanese_date

WEEKDAYS = "月火水木金土日"
FORMAT_LABELS = {
    "web": "オンライン（Web会議）",
    "in_person": "会場開催",
    "hybrid": "会場・オンライン併用",
}
SERIES_NAME = "未来技術実装ミニシンポジウム"


def as_instant(value: Any, field: str = "context") -> datetime:
    """An aware datetime in Tokyo; ISO strings (from JSON) accepted, a naive time is JST."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInput.field(
                field, "datetime", f"日時の形式が正しくありません: {value!r}"
            ) from exc
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=TOKYO)).astimezone(TOKYO)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=TOKYO)
    raise InvalidInput.field(field, "datetime", f"日時ではありません: {value!r}")


def japanese_date(value: Any) -> str:
    """令和4年2月17日（木） — the weekday in brackets, as official letters write it."""
    day = as_instant(value).date() if not _is_plain_date(value) else _plain_date(value)
    return f"{format_japanese_date(day)}（{WEEKDAYS[day.weekday()]}）"


def japanese_datetime(value: Any) -> str:
    """令和3年11月1日（月）17:00 — a deadline as a letter states it: the day and the time, JST
    (a plain date, which names no time, is written as the day alone)."""
    if _is_plain_date(value):
        return japanese_date(value)
    moment = as_instant(value)
    return f"{japanese_date(moment)}{moment:%H:%M}"


def _is_plain_date(value: Any) -> bool:
    return (isinstance(value, date) and not isinstance(value, datetime)) or (
        isinstance(value, str) and len(value) == 10
    )


def _plain_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput.field(
            "context", "date", f"日付の形式が正しくありません: {value!r}"
        ) from exc


def time_range(starts: Any, ends: Any) -> str:
    """令和4年2月17日（木）13:30〜15:00; the end's date is repeated only when it differs."""
    start, end = as_instant(starts), as_instant(ends)
    text = f"{japanese_date(start)}{start:%H:%M}〜"
    if end.date() != start.date():
        text += f"{end.month}月{end.day}日（{WEEKDAYS[end.weekday()]}）"
    return text + f"{end:%H:%M}"


def fiscal_year_of_symposium(symposium: dict[str, Any]) -> str | None:
    """令和3年度 — the registry numbers sessions per fiscal year, so 第1回 recurs every year and
    only the 年度 tells them apart; the registry's label first, else one made from the year."""
    label = symposium.get("fiscal_year_label")
    if label:
        return str(label)
    year = symposium.get("fiscal_year")
    if isinstance(year, int) and not isinstance(year, bool):
        return fiscal_year_label(year)
    return None


def symposium_series(symposium: dict[str, Any]) -> str:
    """令和3年度 第1回 未来技術実装ミニシンポジウム — how subjects and titles name the session."""
    label = fiscal_year_of_symposium(symposium)
    prefix = f"{label} " if label else ""
    return f"{prefix}第{symposium['number']}回 {SERIES_NAME}"


def symposium_title(symposium: dict[str, Any]) -> str:
    return f"{symposium_series(symposium)}（テーマ：{symposium['theme']}）"


# A reason already ending in a causal particle (講師の都合により, 台風接近のため) is written as
# given; the letter adds 「により」 only to a bare noun (講師の体調不良), never 「によりにより」.
CAUSAL_ENDINGS = ("により", "によって", "のため", "ため")


def reason_clause(reason: Any) -> str:
    """「講師の体調不良」→「講師の体調不良により」; 「講師の都合により」 stays as it is."""
    text = str(reason or "").strip().rstrip("、,，。")
    if not text:
        return ""
    return text if text.endswith(CAUSAL_ENDINGS) else f"{text}により"


_SYMPOSIUM_KEYS = ("number", "theme", "starts_at", "ends_at")


def symposium_view(symposium: Any, field: str = "body.context.symposium") -> dict[str, Any]:
    """The registry's symposium plus what the templates print: title, when, format label."""
    if not isinstance(symposium, dict):
        raise InvalidInput.field(
            field,
            "object",
            "symposium には台帳のシンポジウムを渡してください"
            "（symposium must be the registry's symposium）",
        )
    for key in _SYMPOSIUM_KEYS:
        if symposium.get(key) in (None, ""):
            raise InvalidInput.field(
                f"{field}.{key}", "required", f"シンポジウムの {key} がありません（required）"
            )
    start = as_instant(symposium["starts_at"], f"{field}.starts_at")
    end = as_instant(symposium["ends_at"], f"{field}.ends_at")
    return {
        "join_url": None,
        "venue": None,
        "tentative": False,
        **symposium,
        "fiscal_year_label": fiscal_year_of_symposium(symposium),
        "series": symposium_series(symposium),
        "title": symposium_title(symposium),
        "date_label": japanese_date(start),
        "when": time_range(start, end),
        "start_time": f"{start:%H:%M}",  # 開始時刻, which a reminder's first line names
        # Days from today (Japan) to the session, as the letter is written: 【明日開催】 only when
        # it is true on the day the letter goes out, whoever drafted it when.
        "days_until": (start.astimezone(TOKYO).date() - datetime.now(TOKYO).date()).days,
        "starts_at_jst": start.strftime("%Y-%m-%d %H:%M"),
        # A format the registry does not know (null) is not printed, never guessed.
        "format_label": FORMAT_LABELS.get(str(symposium.get("format"))),
    }
