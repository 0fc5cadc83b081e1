"""Signing keys outside development, and how long a token may live.

Every key variable — ``JWT_SECRET``, ``LINK_SECRET`` and each key of ``JWT_PREVIOUS_SECRETS`` and
``LINK_PREVIOUS_SECRETS`` — refuses the public development defaults, short keys, keys of few
symbols or one block repeated, and (single keys) leading or trailing whitespace: listing the
development key as "previous" would let anyone mint operator tokens. Processes refuse such settings
with exit status 2 and one line naming each variable, never the key. Tokens living longer than
``JWT_MAX_LIFETIME_SECONDS`` (exp − iat), or without ``iat``/``exp``, are refused with 401, and
neither ``mint_token`` nor ``jisso token`` mints one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from pydantic import ValidationError

from libs.common.auth import ALGORITHM, Role, decode_token, mint_token
from libs.common.errors import Unauthorized
from libs.common.settings import (
    DEVELOPMENT_JWT_SECRET,
    DEVELOPMENT_LINK_SECRET,
    Settings,
    load_settings,
)

ROOT = Path(__file__).resolve().parents[2]
# `openssl rand -hex 32`, as docs/operations.md says to make them.
STRONG_JWT = "ea64f52c562f9bdceeb6693755d1b3624a8a6d6bea3da62a1acf73d2fe9af88c"
STRONG_LINK = "7ba84eeffdc10e1b13cf17f8db2851d417db846ec30a71478b13568ef36ad155"
STRONG_PREVIOUS = "6a522a3716b7cafc55a41f458845a2ed4c629933c05385941cd5ec4bcf249e25"
VARIABLES = ("jwt_secret", "link_secret", "jwt_previous_secrets", "link_previous_secrets")

WEAK: dict[str, str] = {
    "jwt_development_default": DEVELOPMENT_JWT_SECRET,
    "link_development_default": DEVELOPMENT_LINK_SECRET,
    "one_character": "x",
    "thirty_two_a": "A" * 32,
    "two_letters_repeated": "ab" * 20,
    "a_block_repeated": "0123456789abcdef" * 2,
    "few_symbols": "aabbaabababbbaabaabbbaababbbaaab0",
}
# A key is used exactly as written; a list's keys are trimmed around its commas.
WHITESPACE: dict[str, str] = {
    "development_default_behind_a_space": " " + DEVELOPMENT_JWT_SECRET,
    "leading_space": " " + STRONG_PREVIOUS,
    "trailing_newline": STRONG_PREVIOUS + "\n",
}
CASES = [(v, k) for v in VARIABLES for k in WEAK] + [
    (v, k) for v in ("jwt_secret", "link_secret") for k in WHITESPACE
]


def production(**keys: str) -> Settings:
    values = {"jwt_secret": STRONG_JWT, "link_secret": STRONG_LINK, **keys}
    return load_settings("registry", environment="production", **values)


@pytest.mark.parametrize(("variable", "kind"), CASES)
def test_a_weak_key_is_refused_in_every_key_variable(variable: str, kind: str) -> None:
    weak = {**WEAK, **WHITESPACE}[kind]
    value = f"{STRONG_PREVIOUS},{weak}" if variable.endswith("_previous_secrets") else weak
    with pytest.raises(ValidationError) as refused:
        production(**{variable: value})
    (error,) = refused.value.errors(include_input=False)
    assert error["loc"] == (variable,)  # the variable, not the whole model, is named
    assert variable.upper() in error["msg"]
    assert weak.strip() not in error["msg"]  # the key itself never reaches a log line


def run_jisso(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    kept = {k: v for k, v in os.environ.items() if "SECRET" not in k and "TOKEN" not in k}
    kept.update(PYTHONPATH=str(ROOT), ENVIRONMENT="production", **env)
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        capture_output=True,
        text=True,
        env=kept,
        cwd=ROOT,
        timeout=60,
    )


def test_a_process_refuses_weak_rotation_lists_with_one_line_naming_them() -> None:
    keys = {"JWT_SECRET": STRONG_JWT, "LINK_SECRET": STRONG_LINK}
    done = run_jisso(
        "token",
        "--role",
        "operator",
        JWT_PREVIOUS_SECRETS=f"{STRONG_PREVIOUS}, {DEVELOPMENT_JWT_SECRET}",
        LINK_PREVIOUS_SECRETS="x",
        **keys,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("jisso: refusing to start registry: ")
    assert "JWT_PREVIOUS_SECRETS (key 2 of 2)" in line and "LINK_PREVIOUS_SECRETS" in line
    assert DEVELOPMENT_JWT_SECRET not in line and "Traceback" not in done.stderr
    assert not done.stdout  # no token

    rotating = run_jisso(
        "token", "--role", "operator", JWT_PREVIOUS_SECRETS=STRONG_PREVIOUS, **keys
    )
    assert rotating.returncode == 0, rotating.stderr
    assert decode_token(production(), rotating.stdout.strip()).role is Role.operator


def claims(lifetime: int | None, *, iat: bool = True) -> dict[str, Any]:
    now = int(time.time())
    body: dict[str, Any] = {"iss": "jisso", "sub": "long-lived", "role": "operator"}
    if iat:
        body["iat"] = now
    if lifetime is not None:
        body["exp"] = now + lifetime
    return body


async def test_a_token_living_longer_than_the_maximum_is_refused(
    make_settings: Callable[..., Settings], api: Callable[[str], httpx.AsyncClient]
) -> None:
    settings = make_settings("registry")
    longest = settings.jwt_max_lifetime_seconds
    assert 3600 <= longest <= 86_400  # `jisso token` mints a day by default: still accepted
    registry = api("registry")

    async def status(body: dict[str, Any]) -> int:
        token = jwt.encode(body, settings.jwt_secret, algorithm=ALGORITHM)
        headers = {"Authorization": f"Bearer {token}"}
        response = await registry.get("/v1/local-governments", headers=headers)
        if response.status_code == 401:
            assert response.headers["content-type"] == "application/problem+json"
        return response.status_code

    assert await status(claims(longest)) == 200
    assert await status(claims(longest + 1)) == 401
    assert await status(claims(10 * 365 * 86_400)) == 401
    assert await status(claims(None)) == 401  # no exp
    assert await status(claims(600, iat=False)) == 401  # no iat
    with pytest.raises(Unauthorized, match="JWT_MAX_LIFETIME_SECONDS"):
        decode_token(settings, jwt.encode(claims(longest + 1), settings.jwt_secret, ALGORITHM))


def test_no_token_is_minted_beyond_the_maximum(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings("registry", jwt_max_lifetime_seconds=3600)
    assert decode_token(settings, mint_token(settings, role=Role.partner, ttl_seconds=3600))
    with pytest.raises(ValueError, match="JWT_MAX_LIFETIME_SECONDS"):
        mint_token(settings, role=Role.partner, ttl_seconds=3601)
    with pytest.raises(ValidationError, match="TOKEN_TTL_SECONDS"):
        make_settings("registry", jwt_max_lifetime_seconds=600, token_ttl_seconds=3600)

    keys = {"JWT_SECRET": STRONG_JWT, "LINK_SECRET": STRONG_LINK}
    refused = run_jisso("token", "--role", "operator", "--ttl", str(30 * 86_400), **keys)
    assert refused.returncode == 2 and not refused.stdout
    (line,) = refused.stderr.splitlines()
    assert "JWT_MAX_LIFETIME_SECONDS" in line and "Traceback" not in refused.stderr
