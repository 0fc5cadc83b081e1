"""The small HTML pages RSVP and unsubscribe links open: Japanese, escaped, no JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from libs.common.errors import DomainError
from services.notify.letters.textformat import symposium_view

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "pages"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# The pages run no script and post only to themselves; the token in the URL must not leak
# through a Referer, and nobody may frame a page with a button on it.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
LinkKind = Literal["rsvp", "unsubscribe"]
ERROR_TITLES = {
    400: "リンクが無効か、有効期限が切れています",
    404: "ご案内が見つかりません",
    503: "ただいま混み合っています",
}
# How long each kind of link lives (letters/links.py): an RSVP link until its symposium's current
# end, an unsubscribe link a year from mailing (it names no symposium, so no end applies to it).
INVALID_LINK_MESSAGES: dict[LinkKind, str] = {
    "rsvp": "出欠のご回答のリンクはシンポジウムの終了時刻まで有効です。"
    "終了時刻が過ぎたか、リンクが途中で切れている可能性があります。",
    "unsubscribe": "配信停止のリンクはメールをお送りしてから1年間有効です。"
    "1年以上前のメールのリンクか、リンクが途中で切れている可能性があります。",
}
ERROR_MESSAGES = {
    404: "このリンクのご案内は見つかりませんでした。",
    503: "一時的に処理できませんでした。しばらくしてからもう一度お試しください。",
}
ERROR_ENGLISH = {
    400: "This link is invalid or has expired.",
    404: "Nothing was found for this link.",
    503: "The service is busy; please try again later.",
}


def page(template: str, *, status_code: int = 200, **variables: Any) -> HTMLResponse:
    html = _ENV.get_template(template).render(**variables)
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


def symposium_for_page(symposium: dict[str, Any]) -> dict[str, Any]:
    return symposium_view(symposium)


def error_page(error: DomainError, *, link: LinkKind) -> HTMLResponse:
    """A domain error as a page a person can read (browsers get no problem+json)."""
    status = error.status if error.status in ERROR_TITLES else 400
    message = INVALID_LINK_MESSAGES[link] if status == 400 else ERROR_MESSAGES[status]
    return page(
        "error.html.j2",
        status_code=status,
        title=ERROR_TITLES[status],
        message=message,
        english=ERROR_ENGLISH[status],
        link=link,
    )


def choice_missing_page(token: str) -> HTMLResponse:
    """A form posted without 出席/欠席 (or with a choice we do not know): the link itself is good,
    so the page says what to choose and leads back to the form, not "invalid link"."""
    return page("choice_missing.html.j2", status_code=400, token=token)


def cancelled_page(symposium: dict[str, Any]) -> HTMLResponse:
    """開催中止: the same page whether the link was opened or its form posted; nothing recorded."""
    return page("cancelled.html.j2", symposium=symposium_for_page(symposium))
