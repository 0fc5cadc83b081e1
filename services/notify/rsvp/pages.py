"""The small HTML pages RSVP and unsubscribe links open: Japanese, escaped, no JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
ERROR_TITLES = {
    400: "リンクが無効か、有効期限が切れています",
    404: "ご案内が見つかりません",
    503: "ただいま混み合っています",
}
ERROR_MESSAGES = {
    400: "このリンクは使えません。リンクの有効期限（シンポジウムの終了時刻まで）が過ぎたか、"
    "リンクが途中で切れている可能性があります。",
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


def error_page(error: DomainError, *, message: str | None = None) -> HTMLResponse:
    """A domain error as a page a person can read (browsers get no problem+json)."""
    status = error.status if error.status in ERROR_TITLES else 400
    return page(
        "error.html.j2",
        status_code=status,
        title=ERROR_TITLES[status],
        message=message or ERROR_MESSAGES[status],
        english=ERROR_ENGLISH[status],
    )
