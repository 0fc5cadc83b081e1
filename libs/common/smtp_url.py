"""``SMTP_URL`` read and checked once, for the settings (a refusal at start) and notify's sender.

- ``smtps://host[:465]``: implicit TLS, the connection encrypted from its first byte.
- ``smtp://user:password@host[:587]``: a relay's submission port; with credentials STARTTLS is
  required, so they are never sent in the clear: a server that does not offer STARTTLS is
  refused before AUTH (aiosmtplib's ``start_tls=True``).
- ``smtp://host[:25]``: no credentials (an in-cluster relay, the development sink); STARTTLS is
  used when the server offers it.
- ``?ssl_ca_certs=/path/ca.pem``: the CA that signed the relay's certificate, when it is not in
  the system's store (the name redis-py uses, see libs/common/redis_options.py).

A port that says the other kind of TLS (``smtp://…:465``, ``smtps://…:587``) is refused: the
connection would hang or fail at the first byte, far from the setting's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

IMPLICIT_TLS_PORT = 465
SUBMISSION_PORT = 587


@dataclass(frozen=True)
class SmtpEndpoint:
    host: str
    port: int
    implicit_tls: bool
    # True: STARTTLS or nothing; None: STARTTLS when offered; False: never (implicit TLS).
    starttls: bool | None
    username: str | None
    password: str | None
    ca_file: str | None


def read_smtp_url(url: str) -> SmtpEndpoint:
    """``url`` read; a ``ValueError`` naming the rule when it cannot work safely."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"SMTP_URL must look like smtp://host:port, got {parts.scheme}://…")
    query = dict(parse_qsl(parts.query))
    unknown = sorted(set(query) - {"ssl_ca_certs"})
    if unknown:
        raise ValueError(f"SMTP_URL {', '.join(unknown)}: the only option is ssl_ca_certs")
    implicit = parts.scheme == "smtps"
    port = parts.port or (IMPLICIT_TLS_PORT if implicit else 25)
    if not implicit and port == IMPLICIT_TLS_PORT:
        raise ValueError("SMTP_URL port 465 is implicit TLS: write smtps://host:465")
    if implicit and port == SUBMISSION_PORT:
        raise ValueError("SMTP_URL port 587 is STARTTLS: write smtp://user:password@host:587")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if password and not username:
        raise ValueError("SMTP_URL has a password without a user name")
    starttls = False if implicit else (True if username else None)
    return SmtpEndpoint(
        parts.hostname, port, implicit, starttls, username, password, query.get("ssl_ca_certs")
    )
