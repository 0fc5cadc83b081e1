"""Dates, times and symposium facts as the letters write them: 令和4年2月17日（木）13:30〜15:00,
JST."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from libs.common.errors import InvalidInput
from libs.common.fiscal_year import TOKYO, format_japanese_date

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


def symposium_title(symposium: dict[str, Any]) -> str:
    return f"第{symposium['number']}回 {SERIES_NAME}（テーマ：{symposium['theme']}）"


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
        "tentative": False,
        "fiscal_year_label": None,
        **symposium,
        "title": symposium_title(symposium),
        "date_label": japanese_date(start),
        "when": time_range(start, end),
        "starts_at_jst": start.strftime("%Y-%m-%d %H:%M"),
        # A format the registry does not know (null) is not printed, never guessed.
        "format_label": FORMAT_LABELS.get(str(symposium.get("format"))),
    }
