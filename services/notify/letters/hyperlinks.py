"""Which URLs an HTML letter makes into links: https:, http: and mailto:, nothing else.

A URL in a message's context is written by whoever sends the message. Autoescaping keeps it inside
its attribute, but a ``javascript:``, ``data:`` or ``vbscript:`` URL is dangerous *as* an ``href``.
Browsers are forgiving about schemes (case, tabs and line breaks inside, control characters before),
so this is an allow-list on the URL exactly as written, never a deny-list of bad schemes:

- no whitespace or control character anywhere (a real URL has none; ``java\\tscript:`` has one);
- an explicit scheme that is ``https``, ``http`` (with a host) or ``mailto`` (with an address);
  a relative or scheme-relative URL is no link either: a letter has no base to resolve it against.

Entity-encoded tricks (``javascript&#58;…``) fail the scheme test as written; the text is escaped
when it is printed, so a mail client shows the characters rather than decoding them into a scheme.
Every ``href`` of every template is written by :func:`link` (tests/security/test_letter_links.py).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markupsafe import Markup

LINK_SCHEMES = frozenset({"https", "http", "mailto"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def linkable_url(value: object) -> str | None:
    """``value`` when a letter may make it a link; ``None`` when it must be shown as text."""
    if not isinstance(value, str) or not value:
        return None
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return None
    found = _SCHEME.match(value)
    if found is None:
        return None
    scheme = found.group(1).lower()
    if scheme not in LINK_SCHEMES:
        return None
    if scheme == "mailto":
        return value if len(value) > len("mailto:") else None
    return value if urlsplit(value).netloc else None


def link(value: object, label: str | None = None, **attributes: str) -> Markup:
    """``<a href>`` for a linkable URL; otherwise the label and the URL as escaped text."""
    url = linkable_url(value)
    text = "" if value is None else str(value)
    if url is None:
        if label is None or label == text:
            return Markup("{}").format(text)
        return Markup("{}（{}）").format(label, text)
    extra = Markup("").join(
        Markup(' {}="{}"').format(name.replace("_", "-"), attribute)
        for name, attribute in attributes.items()
    )
    return Markup('<a href="{}"{}>{}</a>').format(url, extra, text if label is None else label)
