"""Composition of the three services into one system: worker specs, sweeps, OpenAPI and ``jisso up``."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

from fastapi import FastAPI

from libs.common.auth import Role, mint_token
from libs.common.scheduler import Periodic
from libs.common.settings import DEFAULT_PORTS, SERVICE_NAMES, ServiceName, Settings, load_settings
from libs.common.worker import ServiceWorker

# A URL that is never connected to: only the app's shape is needed to write its OpenAPI document.
_OFFLINE_DATABASE_URL = "postgresql+asyncpg://openapi@127.0.0.1:1/openapi"


def _module(service: ServiceName, name: str) -> ModuleType:
    return importlib.import_module(f"services.{service}.{name}")


def worker_spec(service: ServiceName) -> ServiceWorker:
    spec: ServiceWorker = _module(service, "worker").worker_spec()
    return spec


def periodic_sweeps() -> list[Periodic]:
    return [p for name in SERVICE_NAMES for p in _module(name, "worker").PERIODIC]


def create_app(service: ServiceName, settings: Settings) -> FastAPI:
    app: FastAPI = _module(service, "app").create_app(settings)
    return app


def openapi_document(service: ServiceName) -> str:
    settings = load_settings(service, database_url=_OFFLINE_DATABASE_URL)
    app = create_app(service, settings)
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def child_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "services.cli", *args]


def up(data_dir: Path) -> None:
    """Run the system; embedded servers stand in for every URL that is not set."""
    from libs.common.embedded import EmbeddedPostgres, EmbeddedRedis, EmbeddedSmtp, free_port
    from libs.common.migrations import upgrade
    from libs.common.supervisor import Supervisor

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("ENVIRONMENT", "development")
    _bytecode_cache(data_dir / "pycache", env)
    embedded: list[EmbeddedPostgres | EmbeddedRedis | EmbeddedSmtp] = []
    if not env.get("DATABASE_URL"):
        embedded.append(EmbeddedPostgres(data_dir, free_port(55432)))
        env["DATABASE_URL"] = embedded[-1].start()
    if not env.get("REDIS_URL"):
        embedded.append(EmbeddedRedis(data_dir, free_port(56379)))
        env["REDIS_URL"] = embedded[-1].start()
    if not env.get("SMTP_URL"):
        embedded.append(EmbeddedSmtp(data_dir, free_port(51025)))
        env["SMTP_URL"] = embedded[-1].start()
    for name in SERVICE_NAMES:
        env.setdefault(f"{name.upper()}_URL", f"http://127.0.0.1:{DEFAULT_PORTS[name]}")
    supervisor = Supervisor(data_dir)
    try:
        settings = load_settings("registry", database_url=env["DATABASE_URL"])
        for name in SERVICE_NAMES:
            asyncio.run(upgrade(name, env["DATABASE_URL"]))
        _seed_if_empty(env)
        for name in SERVICE_NAMES:
            port = urlsplit(env[f"{name.upper()}_URL"]).port or DEFAULT_PORTS[name]
            supervisor.spawn(name, child_command("serve", name, "--port", str(port)), env)
        supervisor.spawn("worker", child_command("worker"), env)
        supervisor.spawn("scheduler", child_command("scheduler"), env)
        urls = [f"{env[f'{n.upper()}_URL']}/readyz" for n in SERVICE_NAMES]
        supervisor.wait_http_ok(urls, timeout=120)
        operator = mint_token(
            load_settings("registry", jwt_secret=env.get("JWT_SECRET", settings.jwt_secret)),
            role=Role.operator,
            subject="operator",
            ttl_seconds=86400,
        )
        _print_banner(env, operator, data_dir)
        supervisor.run_until_signal()
    finally:
        supervisor.stop_all()
        for server in reversed(embedded):
            server.stop()


def _bytecode_cache(prefix: Path, env: dict[str, str]) -> None:
    """Keep Python's bytecode cache under the data dir, for this process and its children.

    Five processes import the whole application; without a cache (PYTHONDONTWRITEBYTECODE, or
    a read-only install) each compiles every module again, which more than doubles start-up.
    The data dir is ours to write, so the cache goes there and the source tree stays clean."""
    sys.pycache_prefix = str(prefix)
    sys.dont_write_bytecode = False
    env["PYTHONPYCACHEPREFIX"] = str(prefix)
    # Empty, not removed: the supervisor layers `env` over our own environment.
    env["PYTHONDONTWRITEBYTECODE"] = ""


def _seed_if_empty(env: dict[str, str]) -> None:
    """An empty registry gets the seed document's facts, so a first ``jisso up`` has data to show."""
    from services.registry.seed import seed_if_empty

    if asyncio.run(seed_if_empty(load_settings("registry", database_url=env["DATABASE_URL"]))):
        print("loaded the seed facts into the empty registry", flush=True)


def _print_banner(env: dict[str, str], operator_token: str, data_dir: Path) -> None:
    lines = ["jisso is up (Ctrl-C stops everything)", f"  data dir  {data_dir}"]
    for name in SERVICE_NAMES:
        url = env[f"{name.upper()}_URL"]
        metrics = load_settings(name).metrics_listen_port
        scrape = f", metrics: http://127.0.0.1:{metrics}/metrics" if metrics else ""
        lines.append(f"  {name:<9} {url}  (docs: {url}/docs{scrape})")
    lines += [
        f"  database  {env['DATABASE_URL']}",
        f"  redis     {env['REDIS_URL']}",
        f"  smtp      {env['SMTP_URL']}",
        "",
        "operator token (24 h):",
        operator_token,
        "",
        f'try: curl -H "Authorization: Bearer $TOKEN" {env["REGISTRY_URL"]}/readyz',
    ]
    print("\n".join(lines), flush=True)
