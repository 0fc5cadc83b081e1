"""SMTP through a relay as providers offer it — port 587 with STARTTLS and credentials, 465 with
implicit TLS — against aiosmtpd servers with a throwaway CA's certificate; credentials never
reach a server that offers no TLS, and URLs that cannot work safely are refused at start."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from pydantic import ValidationError

from devtools.embedded import free_port
from libs.common.settings import load_settings
from services.notify.letters.smtp import SmtpTarget
from tests.managed.servers import Certificates

pytestmark = pytest.mark.db

USER, PASSWORD = "office", "relay-secret"


class Relay:
    """Keeps what it accepts and who logged in."""

    def __init__(self) -> None:
        self.received: list[Envelope] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.received.append(envelope)
        return "250 OK"

    def authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append(data.login.decode())
        return AuthResult(success=(data.login, data.password) == (USER.encode(), PASSWORD.encode()))


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates.issue(tmp_path_factory.mktemp("smtp-tls"))


def _server_context(certificates: Certificates) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates.cert_file, certificates.key_file)
    return context


@pytest.fixture
def relay() -> Relay:
    return Relay()


def _running(relay: Relay, **options: Any) -> Iterator[int]:
    port = free_port()
    controller = Controller(
        relay,
        hostname="127.0.0.1",
        port=port,
        authenticator=relay.authenticate,
        auth_required=True,
        **options,
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def _letter() -> EmailMessage:
    letter = EmailMessage()
    letter["From"], letter["To"], letter["Subject"] = "office@example.jp", "a@example.jp", "test"
    letter.set_content("本文")
    return letter


async def _send(url: str) -> None:
    client = SmtpTarget.from_url(url).client(timeout=5)
    async with client:
        await client.send_message(_letter())


async def test_587_with_starttls_and_credentials(relay: Relay, certificates: Certificates) -> None:
    for port in _running(relay, tls_context=_server_context(certificates), require_starttls=True):
        await _send(
            f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}?ssl_ca_certs={certificates.ca_file}"
        )
    assert relay.logins == [USER] and len(relay.received) == 1


async def test_465_with_implicit_tls(relay: Relay, certificates: Certificates) -> None:
    # aiosmtpd counts only STARTTLS as TLS for AUTH; this connection is TLS from its first byte.
    for port in _running(relay, ssl_context=_server_context(certificates), auth_require_tls=False):
        await _send(
            f"smtps://{USER}:{PASSWORD}@127.0.0.1:{port}?ssl_ca_certs={certificates.ca_file}"
        )
    assert relay.logins == [USER] and len(relay.received) == 1


async def test_credentials_never_reach_a_server_without_tls(relay: Relay) -> None:
    for port in _running(relay, auth_require_tls=False):
        with pytest.raises(aiosmtplib.SMTPException, match="STARTTLS"):
            await _send(f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}")
    assert relay.logins == [] and relay.received == []


async def test_a_relay_certificate_from_another_ca_is_refused(
    relay: Relay, certificates: Certificates, tmp_path: Path
) -> None:
    stranger = Certificates.issue(tmp_path / "other-ca")
    for port in _running(relay, tls_context=_server_context(certificates), require_starttls=True):
        with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
            await _send(
                f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}?ssl_ca_certs={stranger.ca_file}"
            )
    assert relay.logins == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("smtp://office:pw@relay.example.jp:465", "port 465 is implicit TLS"),
        ("smtps://office:pw@relay.example.jp:587", "port 587 is STARTTLS"),
        ("smtp://:pw@relay.example.jp:587", "password without a user name"),
        ("smtp://relay.example.jp:587?starttls=no", "the only option is ssl_ca_certs"),
        ("http://relay.example.jp", "must look like smtp://host:port"),
    ],
)
def test_smtp_urls_that_cannot_work_safely_are_refused_at_start(url: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        load_settings("notify", smtp_url=url)
