"""``jisso up``: the whole system on one machine, with embedded servers for every URL not set.

Development only (`make run`): the production image neither installs the `embedded` extra nor
imports this package; `services/cli.py` imports it inside the `up` command.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from devtools.embedded import (
    EmbeddedPostgres,
    EmbeddedRedis,
    EmbeddedServer,
    EmbeddedSmtp,
    free_port,
    start_together,
)
from devtools.supervisor import Supervisor, log_path
from libs.common.auth import Role, mint_token
from libs.common.migrations import upgrade
from libs.common.settings import load_settings
from services.bytecode import keep_bytecode
from services.catalogue import DEFAULT_PORTS, SERVICE_NAMES
from services.cli_support import refuse
from services.runtime import child_command, preload, run_command
from services.stack import STACK_FILE, read_stack, remove_stack, write_stack

# Linux only: macOS's system libraries refuse to run in a child forked after they were loaded.
FORK_CHILDREN = sys.platform.startswith("linux")


def up(data_dir: Path) -> None:
    """Run the system; embedded servers stand in for every URL that is not set."""
    data_dir = data_dir.resolve()
    running = read_stack(data_dir / STACK_FILE)
    if running is not None and running.running:
        # A second `make run` on the same data dir would fail deep in PostgreSQL's start-up.
        refuse(
            f"a `make run` stack is already running from {data_dir} (process {running.pid}): "
            "use it, stop it first (Ctrl-C in its terminal), or give another --data-dir"
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        refuse(f"cannot use {data_dir} as the data dir ({exc.strerror}): give another --data-dir")
    # As services/__init__.py did (services/bytecode.py), for every process started from here.
    keep_bytecode(data_dir, os.environ)
    env = dict(os.environ)
    env.setdefault("ENVIRONMENT", "development")
    wanted: dict[str, EmbeddedServer] = {}
    if not env.get("DATABASE_URL"):
        wanted["DATABASE_URL"] = EmbeddedPostgres(data_dir, free_port(55432))
    if not env.get("REDIS_URL"):
        wanted["REDIS_URL"] = EmbeddedRedis(data_dir, free_port(56379))
    if not env.get("SMTP_URL"):
        wanted["SMTP_URL"] = EmbeddedSmtp(data_dir, free_port(51025))
    embedded = list(wanted.values())
    # While the servers come up, this process imports what its children run (they are forked
    # from it once they may start).
    urls = start_together(embedded, preload if FORK_CHILDREN else None)
    env.update(zip(wanted, urls, strict=True))
    for name in SERVICE_NAMES:
        env.setdefault(f"{name.upper()}_URL", f"http://127.0.0.1:{DEFAULT_PORTS[name]}")
    supervisor = Supervisor(data_dir)
    # Start-up polls each API's /readyz: httpx's INFO line per poll would bury the banner.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = load_settings("registry", database_url=env["DATABASE_URL"])
        for name in SERVICE_NAMES:
            asyncio.run(upgrade(name, env["DATABASE_URL"], report=_progress))
        _seed_if_empty(env)
        probes = _spawn_children(supervisor, env)
        # Every other `jisso` command finds this stack here (services/stack.py); removed below.
        write_stack(data_dir, env)
        operator = mint_token(
            load_settings("registry", jwt_secret=env.get("JWT_SECRET", settings.jwt_secret)),
            role=Role.operator,
            subject="operator",
            ttl_seconds=86400,
        )
        _print_banner(env, operator, data_dir, probes)
        supervisor.run_until_signal()
    finally:
        remove_stack(data_dir)
        supervisor.stop_all()
        for server in reversed(embedded):
            server.stop()


def _spawn_children(supervisor: Supervisor, env: dict[str, str]) -> dict[str, int]:
    """The three APIs, the worker and the scheduler, until each answers its probe; the worker's
    and the scheduler's probe ports by name."""
    for name in SERVICE_NAMES:
        port = urlsplit(env[f"{name.upper()}_URL"]).port or DEFAULT_PORTS[name]
        _start(supervisor, name, ["serve", name, "--port", str(port)], env)
    # The ports the manifests give them (deploy/k8s): /healthz and metrics, as in production.
    probes = {"worker": free_port(9100), "scheduler": free_port(9104)}
    for role, probe_port in probes.items():
        _start(supervisor, role, [role, "--metrics-port", str(probe_port)], env)
    urls = [f"{env[f'{n.upper()}_URL']}/readyz" for n in SERVICE_NAMES]
    urls += [f"http://127.0.0.1:{port}/healthz" for port in probes.values()]
    supervisor.wait_http_ok(urls, timeout=120)
    return probes


def _start(supervisor: Supervisor, name: str, args: list[str], env: dict[str, str]) -> None:
    """``jisso <args>`` as a child: forked from this process, which has imported the
    application once for all of them (devtools/forked.py), or, where forking a process that has
    loaded these libraries is not safe, started from its command line."""
    if FORK_CHILDREN:
        supervisor.fork(name, run_command, ["jisso", *args], env)
    else:
        supervisor.spawn(name, child_command(*args), env)


def _progress(line: str) -> None:
    print(line, flush=True)


def _seed_if_empty(env: dict[str, str]) -> None:
    """An empty registry gets the seed document's facts, and the review its FY2021 joint-review
    round if it lacks it, so a first ``jisso up`` has data to show (services/seed.py)."""
    from services.seed import seed_services

    url = env["DATABASE_URL"]
    registry, review = (load_settings(n, database_url=url) for n in ("registry", "review"))
    for line in asyncio.run(seed_services(registry, review, registry_only_if_empty=True)):
        print(line, flush=True)


def try_lines(registry_url: str) -> list[str]:
    """The first calls to make: a token in $TOKEN first, then a call that uses it."""
    return [
        "TOKEN=$(.venv/bin/jisso token --role operator)",
        f'curl -s -H "Authorization: Bearer $TOKEN" {registry_url}/v1/programmes',
    ]


def _print_banner(
    env: dict[str, str], operator_token: str, data_dir: Path, probes: dict[str, int]
) -> None:
    lines = ["jisso is up (Ctrl-C stops everything)", f"  data dir  {data_dir}"]
    for name in SERVICE_NAMES:
        url = env[f"{name.upper()}_URL"]
        metrics = load_settings(name).metrics_listen_port
        scrape = f", metrics: http://127.0.0.1:{metrics}/metrics" if metrics else ""
        lines.append(f"  {name:<9} {url}  (docs: {url}/docs{scrape})")
    for role, port in probes.items():
        base = f"http://127.0.0.1:{port}"
        lines.append(f"  {role:<9} {base}/healthz  (metrics: {base}/metrics)")
    logs = log_path(data_dir, "registry").parent
    lines += [
        f"  logs      {logs}/<name>.log, one per process: "
        + ", ".join(f"{name}.log" for name in (*SERVICE_NAMES, "worker", "scheduler"))
        + " (their warnings and errors are shown here too)",
        f"  stack     {data_dir / 'stack.json'}  (other jisso commands take their URLs from it)",
        f"  database  {env['DATABASE_URL']}",
        f"  redis     {env['REDIS_URL']}",
        f"  smtp      {env['SMTP_URL']}  (every mail sent: {data_dir / 'maildir' / 'new'})",
        "",
        "operator token (24 h):",
        operator_token,
        "",
        'try, in another terminal (as README.md, "Calling the API"):',
        *(f"  {line}" for line in try_lines(env["REGISTRY_URL"])),
    ]
    print("\n".join(lines), flush=True)
