"""DKIM signatures (電子署名, RFC 6376) on the bytes ``mime.build_email`` writes, by dkimpy.

A receiving server checks the signature against the public key published at
``<selector>._domainkey.<domain>``; with SPF and DMARC it is what keeps a government office's mail
out of spam folders and makes a forged copy recognisable. Signing is the last step before the SMTP
send (``deliveries/sender.py``), so what is signed is exactly what the relay receives.

Relaxed canonicalisation for header and body, so a relay that re-folds a header or trims trailing
whitespace does not break the signature. Every header a reader or a client acts on is signed; one
the letter lacks (List-Unsubscribe in a letter without it) is signed as absent, so it cannot be
added on the way.
"""

from __future__ import annotations

from collections.abc import Callable

import dkim

from services.notify.config import NotifySettings

SIGNED_HEADERS = (
    b"from",
    b"to",
    b"reply-to",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"auto-submitted",
)

Signer = Callable[[bytes], bytes]


def message_signer(notify: NotifySettings) -> Signer:
    """What turns a letter into the bytes sent: DKIM-signed when a key is configured, else as
    it is."""
    key = notify.dkim_key
    if key is None:
        return _unsigned
    selector = notify.dkim_selector.encode("ascii")
    domain = notify.dkim_domain.encode("ascii")

    def signed(message: bytes) -> bytes:
        return dkim_signature(message, selector=selector, domain=domain, key=key) + message

    return signed


def dkim_signature(message: bytes, *, selector: bytes, domain: bytes, key: bytes) -> bytes:
    """The ``DKIM-Signature:`` header (CRLF line ends, folded) to put before ``message``."""
    signature: bytes = dkim.sign(
        message,
        selector,
        domain,
        key,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=list(SIGNED_HEADERS),
    )
    return signature


def _unsigned(message: bytes) -> bytes:
    return message
