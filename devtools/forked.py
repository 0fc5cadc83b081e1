"""Children forked from `jisso up` itself, after it has imported what they run.

Five Python children each importing the whole application cost most of a start-up on two cores
(bench B5). `jisso up` imports it once; each child is then an ``os.fork()`` that runs the same
command line it would have been given (``jisso serve registry …``) in the modules already
loaded, so it only builds its app and starts. Everything a started process got still holds: its
own session and process group, the parent-death signal, stdout and stderr appended to its log
file, stdin from /dev/null, the environment it was handed (set before the command reads a
setting), default signal handlers. A :class:`ForkedChild` answers the calls the supervisor makes
of a ``subprocess.Popen`` (``poll``, ``wait``, ``send_signal``, ``pid``, ``returncode``).

The fork must leave the parent's stack at once: the child never returns into the caller (whose
``finally`` would stop the embedded servers) — it ends with ``os._exit`` after its own exit
handlers, never the parent's.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import io
import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15


class ForkedChild:
    """The parent's handle on a forked child: the part of ``subprocess.Popen`` the supervisor
    uses (its exit code is Popen's too: negative when a signal ended it)."""

    def __init__(self, pid: int, args: list[str]) -> None:
        self.pid = pid
        self.args = args
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped by someone else: its code is lost
                self.returncode = 255
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = 0.001
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)


def fork_child(
    main: Callable[[list[str]], object],
    argv: list[str],
    log: Path,
    env: Mapping[str, str],
    *,
    name: str,
    death_signal: int = signal.SIGTERM,
) -> ForkedChild:
    """Fork, and in the child run ``main(argv)`` as the process ``argv`` describes would.

    Call it from the main thread with no other thread running (a fork copies only the calling
    thread; the death signal is tied to it too)."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # or the child would write the parent's buffered lines to its log
    # What the parent built is never scanned by a child's collector, so its pages stay shared
    # (the child's own objects are collected as usual).
    gc.freeze()
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return ForkedChild(pid, argv)
    code = 1
    try:
        _become_child(log, env, parent, death_signal, name)
        code = _exit_code(main, argv)
    finally:
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _become_child(
    log: Path, env: Mapping[str, str], parent: int, death_signal: int, name: str
) -> None:
    """What ``start_child`` asks of ``Popen``, done in the forked child."""
    atexit._clear()  # the parent's exit handlers are the parent's
    os.setsid()
    if sys.platform.startswith("linux"):
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        prctl(_PR_SET_PDEATHSIG, death_signal)
        # `ps -e` and `top` show the child by its role (the command line stays the parent's).
        prctl(_PR_SET_NAME, ctypes.c_char_p(f"jisso {name}".encode()[:15]))
        if os.getppid() != parent:  # the parent died between fork and prctl
            os.kill(os.getpid(), death_signal)
    out = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    os.close(null)
    # Python's own streams on those descriptors (the parent's may have been replaced, by a test
    # runner's capture for one), line by line as a log is read.
    for fd, attribute, errors in ((1, "stdout", "strict"), (2, "stderr", "backslashreplace")):
        old = getattr(sys, attribute)
        stream = io.TextIOWrapper(
            io.FileIO(fd, "w", closefd=False),
            encoding=getattr(old, "encoding", None) or "utf-8",
            errors=errors,
            line_buffering=True,
        )
        setattr(sys, attribute, stream)
        setattr(sys, f"__{attribute}__", stream)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    os.environ.clear()
    os.environ.update(env)


def _exit_code(main: Callable[[list[str]], object], argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


__all__ = ["ForkedChild", "fork_child"]
