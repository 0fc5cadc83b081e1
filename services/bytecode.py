"""``jisso up`` keeps Python's bytecode cache for itself and its children, from its first import on.

Six processes' worth of application is imported at each start; without a cache (an environment
with ``PYTHONDONTWRITEBYTECODE``, or a read-only install) every module is compiled again each
time, which more than doubles start-up (bench B5). The cache is the install's: ``<venv>/pycache``
(``sys.prefix``), shared by every data dir, since bytecode derives from the installed code and
not from the data (a first ``jisso up`` on an empty data dir compiles nothing an earlier one
did, as with a package installer that compiles at install time); where the install is not ours
to write, ``<data dir>/pycache``. Python checks each cached file against its source, so an
edited module is compiled again, once. The cache must be in force before the first module of
the application is imported, which is why ``services/__init__.py`` calls :func:`cache_for_up`
first, with nothing but the standard library loaded: it reads the command line ``jisso up`` was
given (its ``--data-dir``, else ``$JISSO_DATA_DIR``, else ``.jisso``) and does nothing for any
other command. `devtools/up.py` hands the same cache to the children it starts.
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
    # And for every process it starts (its embedded SMTP server is Python too).
    keep_bytecode(Path(data_dir).resolve(), os.environ)


def keep_bytecode(data_dir: Path, env: MutableMapping[str, str] | None = None) -> None:
    """This process's bytecode cache (:func:`cache_dir`), whatever ``PYTHONDONTWRITEBYTECODE``
    says; and the same for the processes started with ``env``."""
    prefix = str(cache_dir(data_dir))
    sys.pycache_prefix = prefix
    sys.dont_write_bytecode = False
    if env is not None:
        env["PYTHONPYCACHEPREFIX"] = prefix
        # Empty, not removed: the supervisor layers `env` over our own environment.
        env["PYTHONDONTWRITEBYTECODE"] = ""


def cache_dir(data_dir: Path) -> Path:
    """The install's ``<sys.prefix>/pycache`` when we may write there, else the data dir's."""
    install = Path(sys.prefix)
    if os.access(install, os.W_OK):
        return install / "pycache"
    return data_dir / "pycache"
