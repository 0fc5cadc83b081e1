"""The running ``make run`` stack, as the CLI finds it: ``<data dir>/stack.json``.

``jisso up`` writes the file once its servers answer and removes it when it stops; it holds the
URLs it gave its children (``DATABASE_URL``, ``REDIS_URL``, ``SMTP_URL``, each service's
``<NAME>_URL``) and its own process id. Any other ``jisso`` command that needs one of those and
finds it exported neither plainly nor per service (``REVIEW_DATABASE_URL``) takes it from here,
so an operator in a second terminal needs to export nothing. A file whose process is gone (a
``kill -9``) is stale and ignored, and the command says so.

The data dir is ``$JISSO_DATA_DIR`` when set (``jisso up`` honours it too), else the nearest
``.jisso/`` from the working directory upwards (``make run`` runs at the checkout's root).
No key is written here: the file holds addresses only, readable by its owner alone.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from services.bytecode import DATA_DIR_VARIABLE, DEFAULT_DATA_DIR
from services.catalogue import SERVICE_NAMES

STACK_FILE = "stack.json"

# The addresses `jisso up` hands its children, and the only keys the file may carry.
STACK_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SMTP_URL",
    *(f"{name.upper()}_URL" for name in SERVICE_NAMES),
)


@dataclass(frozen=True)
class Stack:
    """A stack file found on disk; ``running`` is whether its ``jisso up`` is still alive."""

    path: Path
    pid: int
    urls: dict[str, str]
    running: bool


def default_data_dir() -> Path:
    """Where ``jisso up`` keeps its servers when ``--data-dir`` is not given."""
    return Path(os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_DATA_DIR)


def write_stack(data_dir: Path, urls: Mapping[str, str], pid: int | None = None) -> Path:
    """Record the running stack (``jisso up`` calls this once everything answers)."""
    path = data_dir / STACK_FILE
    body = {"pid": pid or os.getpid(), **{k: urls[k] for k in STACK_VARIABLES if urls.get(k)}}
    temporary = path.with_suffix(".tmp")
    # Owner-only before the first byte: a DATABASE_URL the operator exported may hold a password.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(body, file, ensure_ascii=False, indent=2)
    temporary.replace(path)  # a reader never sees half a file
    return path


def remove_stack(data_dir: Path, pid: int | None = None) -> None:
    """Forget the stack, if the file is still this process's (a newer ``jisso up`` keeps its)."""
    found = read_stack(data_dir / STACK_FILE)
    if found is not None and found.pid == (pid or os.getpid()):
        found.path.unlink(missing_ok=True)


def read_stack(path: Path) -> Stack | None:
    """The stack a file describes; None when there is no such file or it is not ours to read."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        pid = int(body["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    urls = {k: str(v) for k, v in body.items() if k in STACK_VARIABLES and v}
    return Stack(path=path.resolve(), pid=pid, urls=urls, running=_alive(pid))


def find_stack(start: Path | None = None) -> Stack | None:
    """The stack of ``$JISSO_DATA_DIR``, else of the nearest ``.jisso/`` from ``start`` (the
    working directory) upwards; a stale one is returned too, for the command to say so."""
    if os.environ.get(DATA_DIR_VARIABLE):
        return read_stack(default_data_dir() / STACK_FILE)
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        found = read_stack(directory / DEFAULT_DATA_DIR / STACK_FILE)
        if found is not None:
            return found
    return None


def _alive(pid: int) -> bool:
    if pid <= 0:  # 0 and negatives would signal process groups
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True
