"""``jisso up`` keeps its bytecode under the data dir it was given, from its first import on
(services/bytecode.py); no other command does."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.bytecode import cache_for_up


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    saved = sys.pycache_prefix, sys.dont_write_bytecode
    yield
    sys.pycache_prefix, sys.dont_write_bytecode = saved


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["jisso", "up", "--data-dir", "/srv/a"], "/srv/a/pycache"),
        (["-m", "up", "--data-dir=/srv/b"], "/srv/b/pycache"),
        (["jisso", "up"], "/from/env/pycache"),
    ],
)
def test_up_caches_under_its_data_dir(
    argv: list[str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JISSO_DATA_DIR", "/from/env")
    sys.dont_write_bytecode = True
    cache_for_up(argv)
    assert sys.pycache_prefix == expected
    assert sys.dont_write_bytecode is False


def test_the_default_data_dir_is_dot_jisso(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JISSO_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    cache_for_up(["jisso", "up"])
    assert sys.pycache_prefix == str(tmp_path.resolve() / ".jisso" / "pycache")


@pytest.mark.parametrize("argv", [["jisso", "serve", "registry"], ["pytest"], ["jisso"]])
def test_other_commands_are_left_alone(argv: list[str]) -> None:
    before = sys.pycache_prefix
    cache_for_up(argv)
    assert sys.pycache_prefix == before
