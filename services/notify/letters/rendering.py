"""Messages from Jinja2 templates (``mime.py`` turns them into the bytes that are sent).

``templates/<kind>.subject.j2``, ``.txt.j2`` and ``.html.j2`` per kind (see ``kinds.py``). HTML is
autoescaped, and every link is written by the ``link`` filter (``hyperlinks.py``: only https, http
and mailto URLs become links); every template runs with ``StrictUndefined``, so a context key the
producer forgot is a 422 naming it instead of a letter with a hole in it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, UndefinedError, select_autoescape

from libs.common.errors import InvalidInput
from services.notify.letters.hyperlinks import link
from services.notify.letters.kinds import KINDS, Kind
from services.notify.letters.textformat import (
    japanese_date,
    japanese_datetime,
    reason_clause,
    symposium_view,
    time_range,
)

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
        auto_reload=False,  # templates ship with the code: no stat() of each file per letter
    )
    env.filters["jdate"] = japanese_date
    env.filters["jdatetime"] = japanese_datetime
    env.filters["reason_clause"] = reason_clause
    env.filters["link"] = link  # every href: only https, http and mailto become links
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
