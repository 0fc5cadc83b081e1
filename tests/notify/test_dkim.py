"""DKIM: with a key configured, what the SMTP server receives verifies against the public key
(a real RSA key, a real send through the sink); a tampered copy does not; without a key, mail
goes out unsigned."""

from __future__ import annotations

import base64
import mailbox
from pathlib import Path
from typing import Any

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from services.notify.config import NotifySettings
from services.notify.deliveries.tasks import send_due_deliveries
from services.notify.messages.tasks import send_transactional
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.workers import Committed, fast_notify_settings

SELECTOR = "jisso2026"
DOMAIN = "mail.example.go.jp"
SIGNED = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "list-unsubscribe",
    "list-unsubscribe-post",
}


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def txt_record(key: rsa.RSAPrivateKey) -> bytes:
    """What ``<selector>._domainkey.<domain>`` publishes (RFC 6376 §3.6.1)."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def dns(key: rsa.RSAPrivateKey) -> Any:
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        wanted = f"{SELECTOR}._domainkey.{DOMAIN}.".encode()
        return txt_record(key) if name == wanted else None

    return lookup


def raw_received(smtp: SmtpServer, tag: str) -> list[bytes]:
    """The bytes the sink stored, as they arrived (headers it adds come first, unsigned)."""
    if not smtp.maildir.exists():
        return []
    box = mailbox.Maildir(smtp.maildir, create=False)
    found = [box.get_bytes(k) for k in box.iterkeys()]
    return [raw for raw in found if tag.encode() in raw]


async def send_one(committed: Committed, notify: NotifySettings, smtp: SmtpServer) -> bytes:
    ctx, tag = committed.ctx, committed.tag
    ctx["notify_settings"] = notify
    await send_transactional(
        ctx,
        {
            "kind": "continuation_decision",
            "dedupe_key": f"dkim:{tag}",
            "context": {
                "project_name": "ドローン物流実装事業",
                "local_government": "秩父市",
                "decision": "approved",
                "decided_on": "2021-12-17",
                "term_end": "2024-03-31",
            },
            "recipients": [{"name": "秩父 花子", "email": committed.email("hanako")}],
        },
    )
    # At least ours (the database may hold other tests' due rows).
    assert (await send_due_deliveries(ctx, {}))["sent"] >= 1
    (raw,) = raw_received(smtp, tag)
    return raw


def signed_settings(pem: str, **more: Any) -> NotifySettings:
    return fast_notify_settings(
        sender_address=f"office@{DOMAIN}",
        dkim_selector=SELECTOR,
        dkim_private_key=pem,
        **more,
    )


async def test_a_signed_letter_verifies_and_a_tampered_one_does_not(
    committed_ctx: Committed, smtp_server: SmtpServer, key: rsa.RSAPrivateKey
) -> None:
    raw = await send_one(committed_ctx, signed_settings(private_pem(key)), smtp_server)

    assert dkim.verify(raw, dnsfunc=dns(key)) is True
    signature = dkim.DKIM(raw)
    signature.verify(dnsfunc=dns(key))
    assert signature.domain == DOMAIN.encode()
    assert signature.selector == SELECTOR.encode()
    signed = {h.decode().lower() for h in signature.include_headers}
    assert signed >= SIGNED, SIGNED - signed

    body_at = raw.index(b"\n\n") + 2
    tampered_body = raw[:body_at] + raw[body_at:].replace(b"Content-Type", b"Content-type", 1)
    assert tampered_body != raw
    assert dkim.verify(tampered_body, dnsfunc=dns(key)) is False
    tampered_subject = raw.replace(b"\nSubject: ", b"\nSubject: Re: ", 1)
    assert dkim.verify(tampered_subject, dnsfunc=dns(key)) is False
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert dkim.verify(raw, dnsfunc=dns(other_key)) is False


async def test_without_a_key_mail_goes_out_unsigned(
    committed_ctx: Committed, smtp_server: SmtpServer
) -> None:
    raw = await send_one(committed_ctx, fast_notify_settings(), smtp_server)
    head = raw.split(b"\n\n", 1)[0].lower()
    assert b"dkim-signature:" not in head
    assert head.startswith(b"subject: ")  # the letter itself did arrive, headers and all


def test_the_key_may_come_from_a_file(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    path = tmp_path / "dkim.pem"
    path.write_text(private_pem(key))
    notify = fast_notify_settings(
        sender_address=f"office@{DOMAIN}",
        dkim_selector=SELECTOR,
        dkim_private_key_file=str(path),
    )
    assert notify.dkim_key == private_pem(key).encode()
    assert notify.dkim_domain == DOMAIN  # the sender's, unless NOTIFY_DKIM_DOMAIN says otherwise


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"dkim_private_key": "x", "dkim_private_key_file": "/k.pem"}, "not both"),
        ({"dkim_private_key": "", "dkim_private_key_file": "/nonexistent/k.pem"}, "cannot be"),
        ({"dkim_selector": ""}, "NOTIFY_DKIM_SELECTOR must be set"),
        ({"dkim_private_key": "-----BEGIN PRIVATE KEY-----\nnope\n-----END"}, "not an RSA"),
        ({"dkim_domain": "mail example"}, "NOTIFY_DKIM_DOMAIN must be a domain"),
    ],
)
def test_a_dkim_configuration_that_cannot_sign_is_refused(
    values: dict[str, str], message: str, key: rsa.RSAPrivateKey
) -> None:
    settings: dict[str, Any] = {"dkim_selector": SELECTOR, "dkim_private_key": private_pem(key)}
    with pytest.raises(ValidationError, match=message) as refused:
        NotifySettings(**{**settings, **values})
    assert "nope" not in str(refused.value)
    assert "PRIVATE KEY-----\nMII" not in str(refused.value)  # the key never reaches the message
