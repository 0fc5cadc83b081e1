"""Messages from Jinja2 templates, and the MIME message that carries them.

``templates/<kind>.subject.j2``, ``.txt.j2`` and ``.html.j2`` per kind (see ``kinds.py``). HTML is
autoescaped; every template runs with ``StrictUndefined``, so a context key the producer forgot is
a 422 naming it instead of a letter with a hole in it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, UndefinedError, select_autoescape

from libs.common.errors import InvalidInput
from libs.common.fiscal_year import now_tokyo
from services.notify.config import NotifySettings
from services.notify.kinds import KINDS, Kind
from services.notify.textformat import japanese_date, symposium_view, time_range

TEMPLATE_DIR = Path(__file__).parent / "templates"
ANONYMOUS = "ご担当者"  # "… 様" needs a name; this is how letters address an unnamed reader


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    contact_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["jdate"] = japanese_date
    env.globals["time_range"] = time_range
    return env


_ENV = _environment()
_UNDEFINED_NAME = re.compile(r"'([^']+)' (?:is undefined|has no attribute '([^']+)')")


def kind_of(name: str, field: str = "body.kind") -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        known = ", ".join(KINDS)
        raise InvalidInput.field(
            field, "kind", f"未知のメッセージ種別です: {name!r}（known kinds: {known}）"
        ) from None


def render_message(
    kind: str,
    *,
    context: dict[str, Any],
    recipient: Recipient,
    links: dict[str, str],
    sender_name: str = "",
) -> Rendered:
    """Subject, plain text and HTML for one recipient; a 422 for an unknown kind or missing key."""
    spec = kind_of(kind)
    variables = _variables(spec, context, recipient, links, sender_name)
    try:
        subject = _ENV.get_template(f"{kind}.subject.j2").render(variables)
        text = _ENV.get_template(f"{kind}.txt.j2").render(variables)
        html = _ENV.get_template(f"{kind}.html.j2").render(variables)
    except UndefinedError as exc:
        raise _missing(exc) from exc
    # A subject is one header line whatever the context held (no header injection).
    return Rendered(subject=" ".join(subject.split()), text=text, html=html)


def _variables(
    spec: Kind,
    context: dict[str, Any],
    recipient: Recipient,
    links: dict[str, str],
    sender_name: str,
) -> dict[str, Any]:
    variables: dict[str, Any] = {key: None for key in spec.optional}
    variables.update(context)
    for key in spec.required:
        if context.get(key) is None:
            raise InvalidInput.field(
                f"body.context.{key}", "required", f"context に {key} が必要です（required）"
            )
    if spec.symposium:
        variables["symposium"] = symposium_view(context["symposium"])
    if not recipient.name:
        recipient = replace(recipient, name=ANONYMOUS)
    variables.update(recipient=recipient, links=links, sender_name=sender_name)
    return variables


def _missing(exc: UndefinedError) -> InvalidInput:
    found = _UNDEFINED_NAME.search(str(exc))
    name = (found.group(2) or found.group(1)) if found else "context"
    return InvalidInput.field(
        f"body.context.{name}",
        "required",
        f"テンプレートが必要とする値がありません: {name}（{exc.message}）",
    )


def build_email(
    rendered: Rendered,
    *,
    settings: NotifySettings,
    to: Recipient,
    message_id: str,
    ics: bytes | None = None,
    ics_method: str = "REQUEST",
    list_unsubscribe_url: str | None = None,
) -> EmailMessage:
    """multipart/alternative (text, HTML) and, with an ICS, multipart/mixed around it.

    ``policy=SMTP``: non-ASCII headers become RFC 2047 encoded-words, lines end in CRLF, and the
    UTF-8 bodies are base64 or quoted-printable, so any 7-bit relay carries the message intact.
    """
    message = EmailMessage(policy=SMTP)
    message["Subject"] = rendered.subject
    message["From"] = Address(settings.sender_name, addr_spec=settings.sender_address)
    # A display name is one header line too: a name stored with CR/LF would otherwise make
    # Address() refuse it and the whole delivery fail.
    message["To"] = Address(" ".join(to.name.split()), addr_spec=to.email)
    message["Date"] = format_datetime(now_tokyo())
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    if list_unsubscribe_url:
        message["List-Unsubscribe"] = f"<{list_unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text, subtype="plain", charset="utf-8", cte="base64")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if ics is not None:
        message.make_mixed()
        message.add_attachment(
            ics,
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": ics_method, "charset": "utf-8"},
        )
    for part in message.iter_parts():
        # add_alternative copies the top-level MIME-Version into the part it moves; drop it.
        for inner in [part, *part.iter_parts()]:
            del inner["MIME-Version"]
    return message
