"""Log redaction: every address RFC 5322 allows, passwords in URLs and ``key=value`` text, and the
values of keys named like secrets at any depth.

tests/security/test_secrets_in_logs.py runs a whole scenario and finds no address or token in its
output; this file tries what that scenario did not: local parts with ``'`` and the other characters
RFC 5322 allows (``o'brien@…`` logged as ``o'***@…`` kept a piece of it), database and Redis URLs
with their passwords, and secrets under keys such as ``jwt_secret`` or ``access_token``, nested in
what a library logs. The same redaction runs on structlog events and on the standard library's
records (asyncpg, httpx, arq, uvicorn), so both are tried through the real log configuration.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import structlog

from libs.common.logging import REDACTED, configure_logging, redact

# Every character RFC 5322 allows in a dot-atom local part besides letters and digits.
ATEXT_SPECIALS = "!#$%&'*+-/=?^_`{|}~"


@pytest.mark.parametrize(
    ("value", "logged"),
    [
        ("o'brien@example.jp", "***@example.jp"),
        ("送信失敗: O'Brien+x@city.example.jp (550)", "送信失敗: ***@city.example.jp (550)"),
        (f"a{ATEXT_SPECIALS}z@example.jp", "***@example.jp"),
        ("{'email': \"o'brien@example.jp\"}", "{'email': \"***@example.jp\"}"),
        ("['hanako@example.jp', 'taro@example.jp']", "['***@example.jp', '***@example.jp']"),
        (
            "connect to postgresql://jisso:s3cr3t@db.internal:5432/jisso failed",
            "connect to postgresql://jisso:[redacted]@db.internal:5432/jisso failed",
        ),
        (
            "postgresql+asyncpg://jisso:p@ss:w0rd!@db.internal/jisso",
            "postgresql+asyncpg://jisso:[redacted]@db.internal/jisso",
        ),
        ("redis://:hunter2@redis.internal:6379/0", "redis://:[redacted]@redis.internal:6379/0"),
        ("smtp://office:pa%40ss@mail.internal:587", "smtp://office:[redacted]@mail.internal:587"),
        (
            "host=db.internal user=jisso password=s3cr3t dbname=jisso",
            "host=db.internal user=jisso password=[redacted] dbname=jisso",
        ),
        ("GET /cb?access_token=abc123&page=2", "GET /cb?access_token=[redacted]&page=2"),
        # Left as they are: nothing secret in them.
        ("http://registry:8001/v1/projects?limit=50", "http://registry:8001/v1/projects?limit=50"),
        ("token_ttl_seconds too large", "token_ttl_seconds too large"),
        ("令和3年度 14 projects", "令和3年度 14 projects"),
    ],
)
def test_addresses_and_passwords_are_masked_in_any_value(value: str, logged: str) -> None:
    assert redact(None, "info", {"event": value})["event"] == logged


def test_keys_named_like_secrets_are_blanked_at_any_depth() -> None:
    event: dict[str, Any] = {
        "event": "settings_loaded",
        "jwt_secret": "k1",
        "LINK_PREVIOUS_SECRETS": "k2",
        "db_password": "p1",
        "access_token": "t1",
        "route": "/v1/projects",
        "count": 3,
        "settings": {
            "link_secret": "k3",
            "redis_url": "redis://:p2@redis/0",
            "retries": [{"refresh_token": "t2", "Password": "p3", "attempt": 1}],
        },
    }
    logged = redact(None, "info", event)
    assert logged == {
        "event": "settings_loaded",
        "jwt_secret": REDACTED,
        "LINK_PREVIOUS_SECRETS": REDACTED,
        "db_password": REDACTED,
        "access_token": REDACTED,
        "route": "/v1/projects",
        "count": 3,
        "settings": {
            "link_secret": REDACTED,
            "redis_url": "redis://:[redacted]@redis/0",
            "retries": [{"refresh_token": REDACTED, "Password": REDACTED, "attempt": 1}],
        },
    }


def test_what_the_processes_log_carries_none_of_it(capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "registry")  # onto the stdout capfd captures, as a process would
    capfd.readouterr()
    structlog.get_logger("jisso").warning(
        "delivery_failed",
        to="o'brien@city.example.jp",
        config={"smtp": {"password": "smtp-pw-1"}, "jwt_secret": "jwt-key-1"},
    )
    logging.getLogger("asyncpg").error(
        "connection to %s refused", "postgresql://jisso:db-pw-1@db.internal:5432/jisso"
    )
    logging.getLogger("httpx").info("GET /cb?api_token=tok-1 %s", "200 OK")
    output = capfd.readouterr().out

    lines = [json.loads(line) for line in output.splitlines()]
    assert lines[0]["event"] == "delivery_failed" and len(lines) == 3
    for leaked in ("brien", "smtp-pw-1", "jwt-key-1", "db-pw-1", "tok-1"):
        assert leaked not in output, f"{leaked} in the logs:\n{output}"
    assert "***@city.example.jp" in output and "db.internal:5432" in output
