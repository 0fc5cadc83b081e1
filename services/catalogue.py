"""The system's services, declared once: name, API port, metrics port, Alembic folder.

The kernel (libs/common) names no service: importing any part of `services` hands it these specs
(services/__init__.py), so settings, `jisso migrate`, `jisso up`, the worker and the tests all
read this one declaration.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal, get_args

from pydantic_settings import BaseSettings

from libs.common.settings import ServiceSpec, register_services
from services.notify.config import NotifySettings
from services.review.config import ReviewSettings

ServiceName = Literal["registry", "review", "notify"]
SERVICE_NAMES: tuple[ServiceName, ...] = get_args(ServiceName)


class ServiceChoice(StrEnum):
    """The services as a command-line choice: typer lists an Enum's values in ``--help`` and
    refuses any other as a usage error (it takes no list of Literals)."""

    registry = "registry"
    review = "review"
    notify = "notify"


if tuple(ServiceChoice) != SERVICE_NAMES:  # one list of services: the choice follows it
    raise RuntimeError(f"ServiceChoice {tuple(ServiceChoice)} is not {SERVICE_NAMES}")

_HERE = Path(__file__).resolve().parent
# (API port, metrics port) by service; the worker's `--metrics-port` is 9100 by convention.
_PORTS: dict[ServiceName, tuple[int, int]] = {
    "registry": (8001, 9101),
    "review": (8002, 9102),
    "notify": (8003, 9103),
}

# Each service's own knobs under its prefix (``NOTIFY_…``, ``REVIEW_…``), read by it alone.
_OWN_SETTINGS: dict[ServiceName, type[BaseSettings]] = {
    "notify": NotifySettings,
    "review": ReviewSettings,
}

SERVICES: tuple[ServiceSpec, ...] = tuple(
    ServiceSpec(
        name,
        port=api,
        metrics_port=metrics,
        migrations=_HERE / name / "migrations",
        mails_links=name == "notify",
        own_settings=_OWN_SETTINGS.get(name),
    )
    for name, (api, metrics) in _PORTS.items()
)
DEFAULT_PORTS: dict[str, int] = {spec.name: spec.port for spec in SERVICES}
DEFAULT_METRICS_PORTS: dict[str, int] = {spec.name: spec.metrics_port for spec in SERVICES}

register_services(*SERVICES)
