"""`jisso up` shows its children's warnings and errors in its own terminal.

Each child writes every line to its own log file (devtools/supervisor.py, JSON lines because
its stdout is not a terminal); a person running `jisso up` would never look there until too
late. The watcher reads what each file gained since it was last read and re-prints the lines
at warning level or above, as console lines named by the child — never the info lines, which
stay in the files. A line that is not JSON is a child's crash or refusal (a traceback, a
``jisso: …`` line written before logging was configured): shown too.

Written here rather than taken from a library: following a handful of files from their ends is
a dozen lines of ``seek``/``read``, and the tail-like packages would bring a thread or an inotify
dependency for it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import structlog

from libs.common.logging import redact

SHOWN_LEVELS = frozenset({"warning", "error", "critical", "exception"})
# The supervisor's own marker at each start (devtools/supervisor.py, start_child).
_START_MARKER = "--- "


class LogWatcher:
    """Follows child log files from their end as they are when watched; :meth:`poll` echoes
    what is new and worth a person's attention."""

    def __init__(self, echo: Callable[[str], None] = print) -> None:
        self._echo = echo
        self._files: dict[str, tuple[Path, int]] = {}
        self._partial: dict[str, bytes] = {}
        terminal = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        self._render = structlog.dev.ConsoleRenderer(colors=terminal)

    def watch(self, name: str, log: Path) -> None:
        """Start following ``log`` from its current end: what a previous run wrote is old."""
        self._files[name] = (log, log.stat().st_size if log.exists() else 0)
        self._partial[name] = b""

    def poll(self) -> None:
        for name, (log, offset) in self._files.items():
            try:
                with log.open("rb") as stream:
                    stream.seek(offset)
                    gained = stream.read()
            except FileNotFoundError:
                continue
            self._files[name] = (log, offset + len(gained))
            # A line still being written is kept until its newline arrives.
            *complete, self._partial[name] = (self._partial[name] + gained).split(b"\n")
            for raw in complete:
                shown = self._shown(name, raw.decode("utf-8", "replace"))
                if shown is not None:
                    self._echo(shown)

    def _shown(self, name: str, line: str) -> str | None:
        if not line.strip() or line.startswith(_START_MARKER):
            return None
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if not isinstance(event, dict):  # written before the child's logging (and redaction)
            return f"[{name}] {redact(None, '', {'line': line})['line']}"
        if str(event.get("level", "")).lower() not in SHOWN_LEVELS:
            return None
        rendered: str = self._render(None, str(event.get("level")), dict(event))
        return f"[{name}] {rendered}"
