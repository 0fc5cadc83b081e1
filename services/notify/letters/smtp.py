"""SMTP connection details from ``SMTP_URL`` (``smtp://`` plain or STARTTLS, ``smtps://`` TLS)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import aiosmtplib


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"SMTP_URL must look like smtp://host:port, got {parts.scheme}://…")
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            use_tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def client(self, timeout: float = 10.0) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.use_tls,
            start_tls=None if not self.use_tls else False,
            username=self.username,
            password=self.password,
            timeout=timeout,
        )


async def check_smtp(url: str) -> None:
    """Connect, EHLO (and log in when the URL has credentials) and NOOP, then leave: the worker's
    SMTP health check (services/notify/letters/smtp_health.py)."""
    client = SmtpTarget.from_url(url).client(timeout=3)
    async with client:
        await client.noop()
