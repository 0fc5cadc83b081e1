"""The `jisso up` banner's first calls: $TOKEN is set before the curl that sends it, in the words
README.md's "Calling the API" uses, so the two never drift apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.up import _print_banner, try_lines

README = Path(__file__).resolve().parents[2] / "README.md"
REGISTRY = "http://127.0.0.1:8001"  # README's address: the default port of `jisso up`


def test_the_banner_sets_the_token_before_the_call_that_sends_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {f"{name}_URL": f"http://127.0.0.1:{port}" for name, port in
           (("REGISTRY", 8001), ("REVIEW", 8002), ("NOTIFY", 8003))}  # fmt: skip
    env |= {"DATABASE_URL": "postgresql://db", "REDIS_URL": "redis://r", "SMTP_URL": "smtp://s"}
    _print_banner(env, "the-operator-token", Path("/data"), {"worker": 9100})
    printed = [line.strip() for line in capsys.readouterr().out.splitlines()]
    token, call = try_lines(REGISTRY)
    assert token == "TOKEN=$(.venv/bin/jisso token --role operator)"
    assert printed.index(token) < printed.index(call)
    assert "$TOKEN" in call


def test_the_banner_s_lines_are_the_readme_s() -> None:
    readme = README.read_text(encoding="utf-8").splitlines()
    assert set(try_lines(REGISTRY)) <= set(readme)
