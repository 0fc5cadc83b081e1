"""A letter as the bytes the SMTP server receives (RFC 5322, MIME per RFC 2045–2049, RFC 2047).

``multipart/alternative`` (plain text in base64, HTML in quoted-printable) and, with an ICS,
``multipart/mixed`` around it; every line ends in CRLF and the whole message is 7-bit ASCII, so any
relay carries it intact.

Written out here rather than through ``email.message.EmailMessage``: the standard library's
header parsing and folding cost about 10 ms a letter, which made composition most of a campaign's
sending time (B3 in bench/notes.md). Non-ASCII header text is encoded and folded by the much
cheaper ``email.header.Header`` (the headers a campaign repeats, Subject and From, once each).
Values written as they are (Message-ID, the addresses, List-Unsubscribe) must be printable ASCII,
so none of them can start a header of its own.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from email.header import Header
from email.utils import format_datetime, formataddr
from functools import lru_cache

from libs.common.fiscal_year import now_tokyo
from services.notify.config import NotifySettings
from services.notify.letters.ics import IcsMethod
from services.notify.letters.rendering import Recipient, Rendered

CRLF = "\r\n"
UTF8 = 'charset="utf-8"'
MAX_LINE = 78  # RFC 5322's recommended limit; encoded headers and bodies keep to it


def build_email(
    rendered: Rendered,
    *,
    settings: NotifySettings,
    to: Recipient,
    message_id: str,
    ics: bytes | None = None,
    ics_method: IcsMethod = "REQUEST",
    list_unsubscribe_url: str | None = None,
) -> bytes:
    headers = [
        _folded("Subject", rendered.subject),
        _sender(settings.sender_name, settings.sender_address),
        _mailbox("To", to.name, to.email),
        *(
            [_mailbox("Reply-To", settings.sender_name, settings.reply_address)]
            if settings.reply_address != settings.sender_address
            else []
        ),
        f"Date: {format_datetime(now_tokyo())}",
        f"Message-ID: {_verbatim(message_id)}",
        "Auto-Submitted: auto-generated",
    ]
    if list_unsubscribe_url:
        # One unfolded line (RFC 2369 needs the bare <URL>; encoded-words would hide it from
        # mail clients' one-click unsubscribe), well within the 998 octets RFC 5322 allows.
        headers.append(f"List-Unsubscribe: <{_verbatim(list_unsubscribe_url)}>")
        headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    headers.append("MIME-Version: 1.0")
    body = _multipart(
        "alternative",
        [
            _part(f"text/plain; {UTF8}", "base64", _base64(_lines(rendered.text))),
            _part(f"text/html; {UTF8}", "quoted-printable", _qp(_lines(rendered.html))),
        ],
    )
    if ics is not None:
        calendar = _part(
            f'text/calendar; method="{ics_method}"; {UTF8}',
            "base64",
            _base64(ics),
            'Content-Disposition: attachment; filename="invite.ics"',
        )
        body = _multipart("mixed", [body, calendar])
    return CRLF.join(headers).encode("ascii") + CRLF.encode() + body


def new_message_id(domain: str) -> str:
    """A Message-ID for a new delivery, ``<uuid@domain>`` (NOTIFY_MESSAGE_ID_DOMAIN). Stored with
    the row before anything is sent, so every retry of the delivery carries the same one and a
    bounce names the row (ids minted before a change of domain are still found as stored)."""
    return f"<{uuid.uuid4()}@{domain}>"


@lru_cache(maxsize=256)
def _folded(name: str, text: str) -> str:
    """An unstructured header such as Subject; cached: a campaign's is the same in each letter."""
    return f"{name}: {_encoded(name, text)}"


def _encoded(name: str, text: str) -> str:
    """Folded text, in RFC 2047 encoded-words unless it is printable ASCII. Lines of 76 leave
    each encoded-word at most the 75 characters RFC 2047 allows, after the fold's space."""
    charset = "us-ascii" if text.isascii() and text.isprintable() else "utf-8"
    return Header(text, charset, maxlinelen=MAX_LINE - 2, header_name=name).encode(linesep=CRLF)


@lru_cache(maxsize=16)
def _sender(name: str, address: str) -> str:
    return _mailbox("From", name, address)


def _mailbox(header: str, name: str, address: str) -> str:
    """``From:``/``To:``: the display name quoted (ASCII) or encoded, then ``<address>``."""
    if "@" not in _verbatim(address) or any(c in address for c in " <>"):
        raise ValueError(f"not an address for a {header} header: {address!r}")
    name = " ".join(name.split())  # a name stored with CR/LF is still one header line
    if not name:
        return f"{header}: {address}"
    if name.isascii() and name.isprintable():
        return f"{header}: {formataddr((name, address))}"
    phrase = _encoded(header, name)
    lines = phrase.split(CRLF)
    width = len(lines[-1]) + (len(header) + 2 if len(lines) == 1 else 0)
    separator = " " if width + len(address) + len(" <>") <= MAX_LINE else f"{CRLF} "
    return f"{header}: {phrase}{separator}<{address}>"


def _verbatim(value: str) -> str:
    """A value written into a header as it is: printable ASCII only, never CR or LF."""
    if not (value.isascii() and value.isprintable()):
        raise ValueError(f"cannot be written into a header: {value!r}")
    return value


def _lines(text: str) -> bytes:
    """UTF-8 with CRLF line ends and a final line end, as MIME's canonical text form wants."""
    return b"\r\n".join(text.encode("utf-8").splitlines()) + b"\r\n"


def _base64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _qp(data: bytes) -> bytes:
    # binascii keeps the CRLF line ends it finds and breaks longer lines at 76 with soft breaks.
    return binascii.b2a_qp(data, istext=True)


def _part(content_type: str, encoding: str, body: bytes, *more_headers: str) -> bytes:
    headers = [f"Content-Type: {content_type}", f"Content-Transfer-Encoding: {encoding}"]
    return CRLF.join([*headers, *more_headers, "", ""]).encode("ascii") + body


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    """The parts between boundaries, with the Content-Type header that names the boundary.

    The boundary starts with ``=_``, which base64 and quoted-printable text can never contain,
    so it cannot occur inside a part."""
    boundary = f"=_{uuid.uuid4().hex}"
    head = f'Content-Type: multipart/{subtype};{CRLF} boundary="{boundary}"{CRLF}{CRLF}'
    delimiter = f"--{boundary}{CRLF}".encode("ascii")
    body = b"".join(delimiter + part + b"\r\n" for part in parts)
    return head.encode("ascii") + body + f"--{boundary}--{CRLF}".encode("ascii")
