"""SMTP connection details from ``SMTP_URL`` (its forms and rules: libs/common/smtp_url.py)."""

from __future__ import annotations

from dataclasses import dataclass

import aiosmtplib

from libs.common.smtp_url import read_smtp_url


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None
    # True: STARTTLS or refuse (credentials are never sent in the clear); None: when offered.
    start_tls: bool | None = None
    ca_file: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpTarget:
        read = read_smtp_url(url)
        return cls(
            host=read.host,
            port=read.port,
            use_tls=read.implicit_tls,
            username=read.username,
            password=read.password,
            start_tls=read.starttls,
            ca_file=read.ca_file,
        )

    def client(self, timeout: float = 10.0) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.use_tls,
            start_tls=False if self.use_tls else self.start_tls,
            cert_bundle=self.ca_file,
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
