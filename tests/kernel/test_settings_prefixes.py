"""Every setting may be given per service with its prefix; a prefixed typo is refused, while peer
URLs and the variables Kubernetes sets for each Service are not."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from libs.common.settings import UnknownVariable, load_settings

A_SECRET = "5e6506bae77402105819dd67931f19ca3254271d476d88141f2dba19c6b9ffc6"


def test_a_prefixed_value_wins_for_its_service_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # JWT_SECRET was one of the fields the old fixed list of five left out.
    monkeypatch.setenv("JWT_SECRET", "shared-secret")
    monkeypatch.setenv("REVIEW_JWT_SECRET", A_SECRET)
    monkeypatch.setenv("REVIEW_RATE_LIMIT_PUBLIC", "5/second")
    review = load_settings("review")
    assert (review.jwt_secret, review.rate_limit_public) == (A_SECRET, "5/second")
    registry = load_settings("registry")
    assert (registry.jwt_secret, registry.rate_limit_public) == ("shared-secret", "30/minute")


def test_an_unprefixed_value_is_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_RETRIES", "7")
    monkeypatch.setenv("REVIEW_HTTP_RETRIES", "")  # empty: not given
    assert load_settings("review").http_retries == 7


def test_a_prefixed_value_is_validated_like_the_shared_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOTIFY_DB_POOL_SIZE", "0")
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        load_settings("notify")


def test_an_unknown_prefixed_variable_is_refused_with_the_close_match(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REVIEW_JWT_SECRT", A_SECRET)
    with pytest.raises(
        UnknownVariable, match=r"REVIEW_JWT_SECRT .* did you mean REVIEW_JWT_SECRET\?"
    ):
        load_settings("review")
    load_settings("registry")  # another service's prefix is not this one's concern


@pytest.mark.parametrize(
    "variable",
    [
        "REVIEW_URL",  # the peer URL
        "REVIEW_SERVICE_HOST",  # Kubernetes service links for a Service named review
        "REVIEW_SERVICE_PORT",
        "REVIEW_SERVICE_PORT_HTTP",
        "REVIEW_PORT",
        "REVIEW_PORT_8002_TCP",
        "REVIEW_PORT_8002_TCP_ADDR",
        "REVIEW_PORT_8002_TCP_PROTO",
        "REVIEW_OPERATOR_EMAIL",  # the review service's own settings (services/review/config.py)
        "REVIEW_DEADLINE_REMINDER_DAYS",
    ],
)
def test_peer_urls_service_links_and_own_settings_are_not_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "10.0.0.1" if "REMINDER" not in variable else "[3]")
    assert load_settings("review").service == "review"


def test_notify_own_settings_are_known(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SEND_RATE_PER_SECOND", "10")
    monkeypatch.setenv("NOTIFY_SENDER_ADDRESS", "office@example.jp")
    assert load_settings("notify").service == "notify"


def test_the_command_refuses_a_prefixed_typo_in_one_line() -> None:
    env = {**os.environ, "REVIEW_JWT_SECRT": A_SECRET}
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "token", "--role", "operator"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr  # token reads registry's settings, not review's
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "migrate", "--service", "review"],
        env={**env, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "jisso: refusing to start review: REVIEW_JWT_SECRT is set but review reads no such "
        "setting: did you mean REVIEW_JWT_SECRET? (each REVIEW_… variable overrides one setting "
        "of review)"
    ]
