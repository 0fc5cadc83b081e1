"""``jisso up`` keeps Python's bytecode cache under its data dir, from its first import on.

Six processes' worth of application is imported at each start; without a cache (an environment
with ``PYTHONDONTWRITEBYTECODE``, or a read-only install) every module is compiled again each
time, which more than doubles start-up (bench B5). The data dir is ours to write, so the cache
goes there and the source tree stays clean. It must be in force before the first module of the
application is imported, which is why ``services/__init__.py`` calls :func:`cache_for_up` first,
with nothing but the standard library loaded: it reads the command line ``jisso up`` was given
(its ``--data-dir``, else ``$JISSO_DATA_DIR``, else ``.jisso``) and does nothing for any other
command. `devtools/up.py` hands the same cache to the children it starts.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping, Sequence
from pathlib import Path

DATA_DIR_VARIABLE = "JISSO_DATA_DIR"
DEFAULT_DATA_DIR = ".jisso"
_OPTION = "--data-dir"


def cache_for_up(argv: Sequence[str]) -> None:
    """When ``argv`` is ``jisso up …``, keep this process's bytecode under its data dir."""
    if argv[1:2] != ["up"]:
        return
    data_dir = os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_DATA_DIR
    for at, arg in enumerate(argv[2:], start=2):
        if arg == _OPTION and at + 1 < len(argv):
            data_dir = argv[at + 1]
        elif arg.startswith(_OPTION + "="):
            data_dir = arg.removeprefix(_OPTION + "=")
    keep_bytecode(Path(data_dir).resolve())


def keep_bytecode(data_dir: Path, env: MutableMapping[str, str] | None = None) -> None:
    """This process's bytecode cache in ``<data_dir>/pycache``, whatever
    ``PYTHONDONTWRITEBYTECODE`` says; and the same for the processes started with ``env``."""
    prefix = str(data_dir / "pycache")
    sys.pycache_prefix = prefix
    sys.dont_write_bytecode = False
    if env is not None:
        env["PYTHONPYCACHEPREFIX"] = prefix
        # Empty, not removed: the supervisor layers `env` over our own environment.
        env["PYTHONDONTWRITEBYTECODE"] = ""
