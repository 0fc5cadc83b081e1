"""``jisso up`` keeps its bytecode in the install's cache (else under the data dir it was given),
from its first import on (services/bytecode.py); no other command does."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from services import bytecode
from services.bytecode import cache_for_up


@pytest.fixture(autouse=True)
def _restore(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    saved = sys.pycache_prefix, sys.dont_write_bytecode
    # The data dir's cache, as for an install that is not ours to write.
    monkeypatch.setattr(bytecode.os, "access", lambda path, mode: False)
    yield
    sys.pycache_prefix, sys.dont_write_bytecode = saved


def test_a_writable_install_keeps_one_cache_for_every_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bytecode.os, "access", lambda path, mode: path == tmp_path)
    monkeypatch.setattr(bytecode.sys, "prefix", str(tmp_path))
    cache_for_up(["jisso", "up", "--data-dir", "/srv/a"])
    assert sys.pycache_prefix == str(tmp_path / "pycache")


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
