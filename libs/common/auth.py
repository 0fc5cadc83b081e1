"""Bearer JWT auth (PyJWT, HS256 pinned) with the roles of DESIGN.md and a ``require``
dependency."""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from libs.common.errors import Forbidden, Unauthorized
from libs.common.settings import Settings

ALGORITHM = "HS256"
# The subject names the caller in the audit trail (``actor``, and ``subject_id`` for reviewers).
MAX_SUBJECT_LENGTH = 100


class Role(StrEnum):
    operator = "operator"
    reviewer = "reviewer"  # bound to a programme
    municipality = "municipality"  # bound to a local government code
    partner = "partner"  # read-only, public data
    service = "service"  # internal calls between services


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    lg_code: str | None = None
    programme: str | None = None

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        return f"{self.role}:{self.subject}"


def mint_token(
    settings: Settings,
    *,
    role: Role | str,
    subject: str | None = None,
    lg_code: str | None = None,
    programme: str | None = None,
    ttl_seconds: int | None = None,
) -> str:
    role = Role(role)
    if role is Role.municipality and not lg_code:
        raise ValueError("a municipality token needs lg_code")
    if role is Role.reviewer and not programme:
        raise ValueError("a reviewer token needs programme")
    if subject and len(subject) > MAX_SUBJECT_LENGTH:
        raise ValueError(f"a subject has at most {MAX_SUBJECT_LENGTH} characters")
    lifetime = ttl_seconds or settings.token_ttl_seconds
    if lifetime > settings.jwt_max_lifetime_seconds:
        raise ValueError(
            f"a token lives at most {settings.jwt_max_lifetime_seconds} seconds "
            f"(JWT_MAX_LIFETIME_SECONDS), not {lifetime}"
        )
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "sub": subject or f"{role}-{uuid.uuid4().hex[:8]}",
        "role": str(role),
        "iat": now,
        "exp": now + lifetime,
    }
    if lg_code:
        claims["lg_code"] = lg_code
    if programme:
        claims["programme"] = programme
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def decode_token(settings: Settings, token: str) -> Principal:
    """Verify against the current secret and, during a rotation, the previous ones.

    A caller sends the same token with every request, and checking its signature again cost
    about a tenth of a one-row read: a verified token is remembered, its expiry still checked
    on every use (as PyJWT does: expired once ``exp`` <= now, in whole seconds). A token must
    carry ``iat`` and ``exp`` and live no longer than ``JWT_MAX_LIFETIME_SECONDS``, whoever
    minted it: a leaked token is usable that long at most."""
    principal, expires = _verified(
        token,
        tuple(settings.verification_secrets),
        settings.jwt_issuer,
        settings.jwt_max_lifetime_seconds,
    )
    if expires <= int(time.time()):
        raise _invalid("トークンの有効期限が切れています", "Signature has expired")
    return principal


@functools.lru_cache(maxsize=4096)
def _verified(
    token: str, secrets: tuple[str, ...], issuer: str, max_lifetime: int
) -> tuple[Principal, int]:
    """The principal and ``exp`` of a valid token; raises ``Unauthorized`` (never cached)."""
    error: Exception | None = None
    for secret in secrets:
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=[ALGORITHM],
                issuer=issuer,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.InvalidSignatureError as exc:
            error = exc
            continue
        except jwt.PyJWTError as exc:
            raise _invalid(_why(exc), str(exc)) from exc
        try:
            role = Role(str(claims.get("role")))
        except ValueError as exc:
            raise _invalid("トークンのロールが不明です", "unknown role") from exc
        if len(str(claims["sub"])) > MAX_SUBJECT_LENGTH:
            raise _invalid(
                f"トークンの sub は {MAX_SUBJECT_LENGTH} 文字までです",
                f"sub longer than {MAX_SUBJECT_LENGTH} characters",
            )
        # PyJWT has checked that int() reads both (numbers, or digits as text).
        if int(claims["exp"]) - int(claims["iat"]) > max_lifetime:
            raise _invalid(
                f"トークンの有効期間が {max_lifetime} 秒を超えています",
                f"lives longer than {max_lifetime} seconds (JWT_MAX_LIFETIME_SECONDS)",
            )
        principal = Principal(
            subject=str(claims["sub"]),
            role=role,
            lg_code=claims.get("lg_code"),
            programme=claims.get("programme"),
        )
        return principal, int(claims["exp"])
    raise _invalid("トークンの署名を検証できません", str(error))


# What went wrong with a token PyJWT refused, in Japanese; its own words follow in the detail.
_REFUSED_TOKENS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "トークンの有効期限が切れています"),
    (jwt.MissingRequiredClaimError, "トークンに必須の項目がありません"),
    (jwt.InvalidIssuerError, "トークンの発行者が違います"),
    (jwt.InvalidAlgorithmError, "トークンの署名方式は使えません"),
    (jwt.ImmatureSignatureError, "トークンはまだ有効になっていません"),
)


def _why(exc: jwt.PyJWTError) -> str:
    return next(
        (text for kind, text in _REFUSED_TOKENS if isinstance(exc, kind)), "トークンが無効です"
    )


def _invalid(japanese: str, english: str) -> Unauthorized:
    """401 for a token that is not accepted: Japanese first, PyJWT's or our English after it."""
    return Unauthorized(
        f"{japanese}（invalid token: {english}）",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


_bearer = HTTPBearer(auto_error=False, description="JWT issued by `jisso token`")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized(
            "Authorization ヘッダーでトークンを送ってください"
            "（Authorization: Bearer <token> is required）",
            headers={"WWW-Authenticate": "Bearer"},
        )
    settings: Settings = request.app.state.settings
    return decode_token(settings, credentials.credentials)


async def principal_of(request: Request) -> Principal:
    """The caller, as ``current_principal`` gives it to a route, for code outside FastAPI's
    dependency solving (the idempotency reservation): the same checks, the same 401s."""
    return await current_principal(request, await _bearer(request))


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the caller must hold one of ``roles``."""

    async def dependency(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Principal:
        if principal.role not in roles:
            allowed = ", ".join(str(r) for r in roles)
            raise Forbidden(
                f"ロール {principal.role} ではこの操作はできません。必要なロール: {allowed}"
                f"（role '{principal.role}' may not do this (needs one of: {allowed})）"
            )
        return principal

    return dependency


Operator = Annotated[Principal, Depends(require(Role.operator))]
"""The caller must be an operator (the office's staff)."""
