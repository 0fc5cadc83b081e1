"""Servers as managed services offer them, started for a test on free ports: PgBouncer in
transaction mode in front of the test PostgreSQL, and a PostgreSQL and a Redis that speak TLS with
certificates of a throwaway CA (trustme).

PgBouncer and PostgreSQL refuse to run as root (CI containers often are root): they then run as
the ``postgres`` user (``nobody`` where there is none) through ``runuser``, in a directory they own.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from sqlalchemy import make_url

from devtools.embedded import free_port

START_SECONDS = 30.0


def required_program(name: str, *search: str) -> str:
    """The program's path; CI installs it (.ci/run), elsewhere a test without it is skipped."""
    found = shutil.which(name) or next(
        (p for pattern in search for p in sorted(glob.glob(pattern), reverse=True)), None
    )
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{name} is not installed (.ci/run installs it)")
    pytest.skip(f"{name} is not installed (apt-get install {name})")


def _unprivileged_user() -> str | None:
    """Who runs a server that refuses root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    import pwd

    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.skip("running as root with no unprivileged user to run the server as")


def _owned_directory(prefix: str) -> tuple[Path, list[str]]:
    """A new directory the server's user owns, and the command prefix that runs as that user."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    user = _unprivileged_user()
    if user is None:
        return directory, []
    shutil.chown(directory, user)
    return directory, ["runuser", "-u", user, "--"]


def _chown_tree(directory: Path) -> None:
    user = _unprivileged_user()
    if user is not None:
        for path in [directory, *directory.rglob("*")]:
            shutil.chown(path, user)


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {log.read_text()[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server did not listen on {port}: {log.read_text()[-2000:]}")


@contextmanager
def running(command: list[str], port: int, directory: Path) -> Iterator[None]:
    log = directory / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=directory)
    try:
        wait_for_port(port, process, log)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def pgbouncer(upstream_url: str, *, pool_size: int = 2) -> Iterator[str]:
    """PgBouncer in transaction mode in front of ``upstream_url``'s server; yields that URL with
    PgBouncer's host and port (any database of the server may be named in it)."""
    program = required_program("pgbouncer", "/usr/sbin/pgbouncer")
    upstream = make_url(upstream_url)
    directory, prefix = _owned_directory("jisso-pgbouncer-")
    port = free_port()
    user = upstream.username or "postgres"
    password = upstream.password or ""
    server = f"host={upstream.host or '127.0.0.1'} port={upstream.port or 5432}"
    if password:
        server += f" password={password}"
    (directory / "users.txt").write_text(f'"{user}" "{password}"\n')
    (directory / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = {server}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = trust\nauth_file = users.txt\n"
        f"pool_mode = transaction\ndefault_pool_size = {pool_size}\n"
        # Few server connections for many clients, as in production: statements left on a
        # server connection meet the next client lent it.
        "min_pool_size = 0\nserver_round_robin = 0\n"
    )
    _chown_tree(directory)
    with running([*prefix, program, "pgbouncer.ini"], port, directory):
        yield upstream.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


@dataclass(frozen=True)
class Certificates:
    """A CA, a server certificate it issued for localhost and 127.0.0.1, and a client
    certificate for the user ``postgres`` (its common name, as PostgreSQL's ``cert`` checks)."""

    ca_file: Path
    cert_file: Path
    key_file: Path
    client_cert_file: Path
    client_key_file: Path

    @classmethod
    def issue(cls, directory: Path) -> Certificates:
        directory.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        made = cls(
            *(directory / name for name in ("ca.pem", "server.pem", "server.key")),
            *(directory / name for name in ("client.pem", "client.key")),
        )
        ca.cert_pem.write_to_path(str(made.ca_file))
        for leaf, cert, key in (
            (ca.issue_cert("localhost", "127.0.0.1"), made.cert_file, made.key_file),
            (
                ca.issue_cert("postgres", common_name="postgres"),
                made.client_cert_file,
                made.client_key_file,
            ),
        ):
            leaf.cert_chain_pems[0].write_to_path(str(cert))
            leaf.private_key_pem.write_to_path(str(key))
            key.chmod(0o600)
        return made


@contextmanager
def tls_postgres(certificates: Certificates) -> Iterator[str]:
    """A fresh PostgreSQL that accepts TLS connections only (``hostssl``); yields its URL,
    without TLS parameters."""
    # Its neighbours (postgres, pg_isready) are where the link to it points.
    initdb = str(Path(required_program("initdb", "/usr/lib/postgresql/*/bin/initdb")).resolve())
    postgres = str(Path(initdb).with_name("postgres"))
    directory, prefix = _owned_directory("jisso-tls-postgres-")
    data = directory / "data"
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    for name in ("cert_file", "key_file"):
        shutil.copy(getattr(certificates, name), data / f"server.{name.split('_')[0]}")
    shutil.copy(certificates.ca_file, data / "ca.pem")
    # template1 asks for a client certificate (sslcert/sslkey), every other database trusts.
    (data / "pg_hba.conf").write_text(
        "hostssl template1 all 127.0.0.1/32 cert\nhostssl all all 127.0.0.1/32 trust\n"
    )
    _chown_tree(directory)
    port = free_port()
    command = [
        *prefix, postgres, "-D", str(data), "-p", str(port), "-k", str(directory),
        "-c", "listen_addresses=127.0.0.1", "-c", "ssl=on",
        "-c", "ssl_cert_file=server.cert", "-c", "ssl_key_file=server.key",
        "-c", "ssl_ca_file=ca.pem",
    ]  # fmt: skip
    with running(command, port, directory):
        _wait_until_accepting(Path(initdb).with_name("pg_isready"), port)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"


def _wait_until_accepting(pg_isready: Path, port: int) -> None:
    """PostgreSQL listens before it accepts connections ("the database system is starting up")."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        ready = subprocess.run(
            [str(pg_isready), "-h", "127.0.0.1", "-p", str(port)], capture_output=True, check=False
        )
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError(f"PostgreSQL on {port} did not accept connections")


@contextmanager
def redis_server(
    directory: Path, *, policy: str, certificates: Certificates | None = None
) -> Iterator[int]:
    """A redis-server with ``maxmemory-policy`` ``policy``, on TLS only when given certificates;
    yields its port."""
    program = required_program("redis-server")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [program, "--save", "", "--appendonly", "no", "--maxmemory-policy", policy]
    if certificates is None:
        command += ["--port", str(port)]
    else:
        command += [
            "--port", "0", "--tls-port", str(port),
            "--tls-cert-file", str(certificates.cert_file),
            "--tls-key-file", str(certificates.key_file),
            "--tls-ca-cert-file", str(certificates.ca_file),
            "--tls-auth-clients", "yes",  # a client certificate: ssl_certfile, ssl_keyfile
        ]  # fmt: skip
    with running(command, port, directory):
        yield port
