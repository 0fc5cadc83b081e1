"""Personal signed links in messages: RSVP (attend / decline) and unsubscribe.

A link is a JWT with its own audience, so a link can never be used as an API token and vice versa;
it expires (RSVP: when the symposium ends; unsubscribe: after a year). An RSVP link follows its
symposium: the ``exp`` written at mailing time is not checked here, the caller checks the
symposium's *current* end (rsvp/service.py ``symposium_of``), so a symposium moved later keeps
every mailed link working until its new end, and one moved earlier closes them at its new end.
Its payload is readable by anyone who base64-decodes it, so it names the registry's contact row
and the symposium by id, never the address: the address is looked up when the link is used. Links
are signed with LINK_SECRET, not JWT_SECRET, so rotating the API key leaves a year of mailed
unsubscribe links working.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt

from libs.common.errors import DomainError
from libs.common.settings import Settings

LinkAction = Literal["rsvp", "unsubscribe"]
_AUDIENCE = "jisso-notify-link"
UNSUBSCRIBE_LIFETIME = timedelta(days=365)


class InvalidLink(DomainError):
    status, slug, title = 400, "invalid-link", "リンクが無効か、有効期限が切れています"


@dataclass(frozen=True)
class LinkClaims:
    """Whom a link speaks for (宛先の連絡先), and for RSVP the symposium it answers."""

    action: LinkAction
    contact_id: uuid.UUID
    symposium_id: uuid.UUID | None


def sign_link(
    settings: Settings,
    *,
    action: LinkAction,
    contact_id: uuid.UUID,
    symposium_id: uuid.UUID | None,
    expires_at: datetime,
) -> str:
    claims = {
        "aud": _AUDIENCE,
        "act": action,
        "sub": str(contact_id),
        "sid": str(symposium_id) if symposium_id else None,
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(claims, settings.link_secret, algorithm="HS256")


def verify_link(settings: Settings, token: str, *, action: LinkAction) -> LinkClaims:
    for secret in settings.link_verification_secrets:
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                audience=_AUDIENCE,
                options={"require": ["exp", "sub"], "verify_exp": action != "rsvp"},
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise InvalidLink(f"このリンクは使えません（the link cannot be used: {exc}）") from exc
        if claims.get("act") != action:
            raise InvalidLink(
                "このリンクは別の操作のためのものです（the link is for another action）"
            )
        try:
            contact_id = uuid.UUID(claims["sub"])
            symposium_id = uuid.UUID(claims["sid"]) if claims.get("sid") else None
        except (TypeError, ValueError) as exc:  # signed by us, so only an old or foreign format
            raise InvalidLink(
                "このリンクは連絡先を示していません（the link names no contact）"
            ) from exc
        return LinkClaims(action=action, contact_id=contact_id, symposium_id=symposium_id)
    raise InvalidLink("このリンクの署名を確認できません（the link's signature is not ours）")


def public_base_url(settings: Settings) -> str:
    return (settings.public_base_url or settings.url_of("notify")).rstrip("/")


def rsvp_url(settings: Settings, token: str, response: Literal["attend", "decline"]) -> str:
    return f"{public_base_url(settings)}/v1/rsvp/{token}?response={response}"


def unsubscribe_url(settings: Settings, token: str) -> str:
    return f"{public_base_url(settings)}/v1/unsubscribe/{token}"


def unsubscribe_expiry(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) + UNSUBSCRIBE_LIFETIME
