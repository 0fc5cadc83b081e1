"""Composition of the three services into one system: worker specs, sweeps, OpenAPI documents.

The services themselves are declared in services/catalogue.py; ``jisso up`` is development
tooling and lives in devtools/up.py.
"""

from __future__ import annotations

import importlib
import json
import sys
from types import ModuleType

from fastapi import FastAPI

from libs.common.scheduler import Periodic
from libs.common.settings import Settings, load_settings
from libs.common.worker import ServiceWorker
from services.catalogue import SERVICE_NAMES, ServiceName

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


def preload() -> None:
    """Import what every child of ``jisso up`` runs — each service's app and worker — so that
    children forked afterwards (devtools/forked.py) start without importing it again."""
    import services.cli  # noqa: F401 — the command line each child runs

    for service in SERVICE_NAMES:
        _module(service, "app")
        _module(service, "worker")


def run_command(argv: list[str]) -> None:
    """``jisso <argv[1:]>`` in this process: what a forked child of ``jisso up`` runs."""
    from services.cli import main

    sys.argv = list(argv)
    main()
