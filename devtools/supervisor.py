"""Child-process supervision for `jisso up`: spawn, health-wait, stop everything on exit.

Each child runs in its own session (so its own process group): a Ctrl-C in the terminal reaches
only us, and we decide the shutdown order (APIs before the database). On Linux each child also
gets a parent-death signal, so a crashed or SIGKILLed parent leaves no orphan servers behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType

import httpx

from devtools.forked import ForkedChild, fork_child
from devtools.log_watch import LogWatcher

Child = subprocess.Popen[bytes]
# A supervised child: started from a command line, or forked (devtools/forked.py).
Running = Child | ForkedChild

_PR_SET_PDEATHSIG = 1


def _death_signal_preexec(sig: int) -> Callable[[], None] | None:
    """A preexec_fn asking the kernel to send `sig` to the child when we die (Linux only).

    The kernel ties the death signal to the *thread* that forked, so we only arm it from the
    main thread: a child started from a worker thread would otherwise die with that thread.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before fork, not in the child
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, sig)
        if os.getppid() != parent:  # the parent died between fork and prctl
            os.kill(os.getpid(), sig)

    return preexec


def log_path(data_dir: Path, name: str) -> Path:
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return logs / f"{name}.log"


def start_child(
    argv: list[str],
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: int | None = None,
    group: int | None = None,
    death_signal: int = signal.SIGTERM,
) -> Child:
    """Start `argv` in a new session with stdout+stderr appended to `log`."""
    with log.open("ab") as out:
        out.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S%z')} start {argv!r}\n".encode())
        out.flush()
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            user=user,
            group=group,
            extra_groups=[] if user is not None else None,  # drop root's supplementary groups
            start_new_session=True,
            preexec_fn=_death_signal_preexec(death_signal),
        )


def _signal_group(proc: Running, sig: int) -> None:
    # start_new_session makes the child its own group leader, so its pid is the group id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def reap(proc: Running) -> int | None:
    """poll(), and when this call reaps the leader, SIGKILL whatever is left of its group.

    Grandchildren that outlive their leader still carry its group id; sweeping right at
    reaping time means the id cannot have been reused by an unrelated process yet.
    """
    if proc.returncode is not None:
        return proc.returncode
    code = proc.poll()
    if code is not None:
        _signal_group(proc, signal.SIGKILL)
    return code


def stop_child(
    proc: Running, sig: int = signal.SIGTERM, timeout: float = 10.0, *, group: bool = True
) -> int:
    """Send `sig` (to the group, or the leader only), wait, then SIGKILL the whole group."""
    if proc.returncode is not None:  # reaped earlier, its group already swept
        return proc.returncode
    if proc.poll() is None:
        if group:
            _signal_group(proc, sig)
        else:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
    code = proc.wait()
    _signal_group(proc, signal.SIGKILL)  # stragglers from the group, as in reap()
    return code


class Supervisor:
    """Owns the long-running children of one `jisso up` run."""

    def __init__(self, data_dir: Path, *, echo: Callable[[str], None] = print) -> None:
        self.data_dir = data_dir
        self.children: dict[str, Running] = {}
        self._echo = echo
        self._stopping = False
        self._reported: set[str] = set()
        # Children's warnings and errors, re-printed here (their info lines stay in the files).
        self.watcher = LogWatcher(echo)

    def spawn(
        self, name: str, argv: list[str], env: Mapping[str, str], cwd: Path | None = None
    ) -> Child:
        """Start a child; `env` is layered over our own environment."""
        proc = start_child(argv, self._prepare(name), env={**os.environ, **env}, cwd=cwd)
        self._adopt(name, proc)
        return proc

    def fork(
        self,
        name: str,
        main: Callable[[list[str]], object],
        argv: list[str],
        env: Mapping[str, str],
    ) -> ForkedChild:
        """Fork a child running ``main(argv)`` in the modules this process has imported, as
        the process ``argv`` names would (devtools/forked.py); `env` as for :meth:`spawn`."""
        log = self._prepare(name)
        with log.open("ab") as out:  # the marker start_child writes
            out.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S%z')} fork {argv!r}\n".encode())
        child = fork_child(main, argv, log, {**os.environ, **env}, name=name)
        self._adopt(name, child)
        return child

    def _prepare(self, name: str) -> Path:
        if name in self.children and reap(self.children[name]) is None:
            raise RuntimeError(f"{name} is already running (pid {self.children[name].pid})")
        log = log_path(self.data_dir, name)
        self.watcher.watch(name, log)
        return log

    def _adopt(self, name: str, proc: Running) -> None:
        self.children[name] = proc
        self._stopping = False
        self._reported.discard(name)

    def dead_children(self) -> list[str]:
        """Names of children that exited while we were not stopping; reports each once."""
        dead = [n for n, p in self.children.items() if reap(p) is not None]
        if dead:
            self.watcher.poll()  # its last words (a traceback) before the line naming its log
        for name in dead:
            if not self._stopping and name not in self._reported:
                self._reported.add(name)
                proc = self.children[name]
                self._echo(
                    f"jisso: {name} (pid {proc.pid}) exited with code {proc.returncode};"
                    f" see {log_path(self.data_dir, name)}"
                )
        return dead

    def wait_http_ok(self, urls: Iterable[str], timeout: float = 30.0) -> None:
        """Poll each URL until it answers 200; fail fast if a child dies meanwhile.

        The URLs are asked at once: an API's first answer (its first database connection) takes
        a while, and asked one after another those waits added up."""
        pending = list(urls)
        deadline = time.monotonic() + timeout
        # The pool's threads end with this call: no thread runs when a child is forked later.
        with httpx.Client(timeout=2.0) as client, ThreadPoolExecutor(len(pending) or 1) as pool:
            while pending:
                self.watcher.poll()
                if dead := self.dead_children():
                    raise RuntimeError(f"child exited during start-up: {', '.join(dead)}")
                answered = list(pool.map(functools.partial(_answers_ok, client), pending))
                pending = [url for url, ok in zip(pending, answered, strict=True) if not ok]
                if pending and time.monotonic() > deadline:
                    raise TimeoutError(f"no 200 within {timeout:.0f}s from: {', '.join(pending)}")
                if pending:
                    time.sleep(0.05)  # a poll is a refused connect or one small GET

    def stop_all(self, timeout: float = 10.0) -> None:
        """SIGTERM every child group, wait up to `timeout` overall, then SIGKILL the rest."""
        self._stopping = True
        procs = list(self.children.values())
        for proc in procs:
            if proc.returncode is None:  # not poll(): stop_child must be the one that reaps
                _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in procs:
            stop_child(proc, signal.SIGTERM, max(0.0, deadline - time.monotonic()))

    def run_until_signal(self, poll_interval: float = 0.2) -> int:
        """Block until SIGINT/SIGTERM/SIGHUP or a child dies, then stop all.

        Returns 0 after a signal, 1 when a child died. Must run in the main thread
        (signal handlers can only be installed there).
        """
        received = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            received.set()

        handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        previous = {sig: signal.signal(sig, on_signal) for sig in handled}
        try:
            while not received.wait(poll_interval):
                self.watcher.poll()
                if self.dead_children():
                    return 1
            return 0
        finally:
            self.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_all()


def _answers_ok(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(url).status_code == 200
    except httpx.HTTPError:
        return False


__all__ = ["Child", "Running", "Supervisor", "log_path", "reap", "start_child", "stop_child"]
