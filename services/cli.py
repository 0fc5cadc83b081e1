"""``jisso``: the one console script — run, migrate, serve, work, schedule, mint tokens, write OpenAPI.

This module is the composition root: the only place that knows all three services.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from prometheus_client import start_http_server
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from libs.common.auth import Role, mint_token
from libs.common.header_limits import http_protocol
from libs.common.logging import configure_logging
from libs.common.scheduler import run_scheduler
from libs.common.settings import Settings, get_settings
from libs.common.worker import run_workers
from services import runtime
from services.catalogue import DEFAULT_PORTS, SERVICE_NAMES, ServiceName
from services.registry.cli import app as registry_app
from services.review.cli import app as review_app

app = typer.Typer(help="jisso — 未来技術社会実装事業の業務システム", no_args_is_help=True)
app.add_typer(registry_app, name="registry")
app.add_typer(review_app, name="review")


@app.command()
def up(
    data_dir: Annotated[Path, typer.Option(help="Where the embedded servers keep data")] = Path(
        ".jisso"
    ),
) -> None:
    """Start the whole system: embedded servers when no URLs are set, migrate, APIs, worker, scheduler."""
    # Development tooling, imported here only: the production image has neither it nor its extra.
    try:
        from devtools.up import up as run_everything
    except ModuleNotFoundError as exc:
        typer.echo(
            f"jisso: `up` is development tooling ({exc}); use a checkout: make run", err=True
        )
        raise typer.Exit(2) from None
    run_everything(data_dir)


@app.command()
def migrate(
    service: Annotated[list[str] | None, typer.Option(help="Only these services")] = None,
) -> None:
    """Upgrade every service's schema to its latest migration (never done at app start-up)."""
    from libs.common.migrations import upgrade  # alembic: only this command and `up` need it

    for name in _services(service):
        asyncio.run(upgrade(name, _settings(name).database_url))
        typer.echo(f"migrated {name}")


@app.command()
def seed() -> None:
    """Load the seed document's facts into the registry (idempotent: a second run changes nothing)."""
    from services.registry.seed import run_seed

    asyncio.run(run_seed(_settings("registry")))
    typer.echo("seeded the registry")


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="registry, review or notify")],
    host: str = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Default: 8001/8002/8003")] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            help="Prometheus metrics on this port (default METRICS_PORT, else 9101/9102/9103; 0: none)"
        ),
    ] = None,
) -> None:
    """Serve one service's API with uvicorn, and its metrics on a port of their own."""
    name = _services([service])[0]
    settings = _settings(name)  # refused settings: one line naming them, before the app is built
    app = runtime.create_app(name, settings)
    # The metrics listen where the API does, on their own port (libs/common/metrics_endpoint.py).
    app.state.metrics_address = (
        host,
        settings.metrics_listen_port if metrics_port is None else metrics_port,
    )
    uvicorn.run(
        app,
        host=host,
        port=port or DEFAULT_PORTS[name],
        loop="uvloop",
        # httptools with the request-head limits (libs/common/header_limits.py).
        http=http_protocol(settings.max_header_bytes, settings.max_header_fields),
        # The client address the rate limits key on: X-Forwarded-For only from these peers.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # uvicorn's own lines (start, stop, errors) go through the app's JSON logging, at its
        # LOG_LEVEL; access lines are left out, the metrics middleware counts requests.
        log_config=None,
        log_level=None,
        access_log=False,
    )


@app.command()
def worker(
    service: Annotated[list[str] | None, typer.Option(help="Only these services' queues")] = None,
    burst: Annotated[bool, typer.Option(help="Exit when the queues are empty")] = False,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus job metrics on this port")
    ] = None,
    job_timeout: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Seconds a job may run (default 300); a job whose worker was killed runs again "
            "this long plus 10 s later",
        ),
    ] = None,
) -> None:
    """Run the queue workers (all services' queues in one process by default)."""
    names = _services(service)
    settings = [_settings(name) for name in names]  # any refused before a worker starts
    if metrics_port:
        start_http_server(metrics_port)
    configure_logging(settings[0].log_level, "worker")
    specs = [runtime.worker_spec(n) for n in names]
    for spec in specs:
        spec.job_timeout = job_timeout or spec.job_timeout
    asyncio.run(run_workers(specs, burst=burst))


@app.command()
def scheduler() -> None:
    """Enqueue the periodic sweeps of every service (one active scheduler; a second one idles)."""
    settings = _settings("registry")
    configure_logging(settings.log_level, "scheduler")
    asyncio.run(run_scheduler(settings.redis_url, runtime.periodic_sweeps()))


@app.command()
def token(
    role: Annotated[Role, typer.Option(help="operator, reviewer, municipality, partner, service")],
    lg_code: Annotated[str | None, typer.Option(help="For municipality tokens")] = None,
    programme: Annotated[str | None, typer.Option(help="For reviewer tokens")] = None,
    subject: Annotated[str | None, typer.Option(help="Who the token names")] = None,
    ttl: Annotated[
        int, typer.Option(min=1, help="Seconds until it expires (at most JWT_MAX_LIFETIME_SECONDS)")
    ] = 86400,
) -> None:
    """Mint a development token signed with JWT_SECRET."""
    settings = _settings("registry")
    try:
        token = mint_token(
            settings,
            role=role,
            subject=subject,
            lg_code=lg_code,
            programme=programme,
            ttl_seconds=ttl,
        )
    except ValueError as exc:  # a claim or lifetime the services would refuse: no token
        typer.echo(f"jisso: refusing to mint a token: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(token)


@app.command()
def openapi(
    out_dir: Annotated[Path, typer.Option(help="Where to write <service>.json")] = Path("openapi"),
) -> None:
    """Write each service's OpenAPI document, committed for partner systems."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in SERVICE_NAMES:
        path = out_dir / f"{name}.json"
        path.write_text(runtime.openapi_document(name), encoding="utf-8")
        typer.echo(f"wrote {path}")


@app.command()
def docs() -> None:
    """Rewrite the state tables in docs/ from the code's state machines."""
    from services.state_machines import write_docs

    for page in write_docs():
        typer.echo(f"wrote {page}")


def _settings(service: ServiceName) -> Settings:
    """The service's settings, or a one-line refusal naming each variable and its rule, and exit
    status 2 — not a traceback (nor the values pydantic would quote in it)."""
    try:
        return get_settings(service)
    except ValidationError as exc:
        problems = "; ".join(_refusal(error) for error in exc.errors(include_input=False))
        typer.echo(f"jisso: refusing to start {service}: {problems}", err=True)
        raise typer.Exit(2) from None


def _refusal(error: ErrorDetails) -> str:
    message = error["msg"].removeprefix("Value error, ")
    variable = "_".join(map(str, error["loc"])).upper()  # a field is its environment variable
    if not variable or message.startswith(variable):  # the message names it already
        return message
    return f"{variable}: {message}"


def _services(names: list[str] | None) -> list[ServiceName]:
    if not names:
        return list(SERVICE_NAMES)
    unknown = [n for n in names if n not in SERVICE_NAMES]
    if unknown:
        raise typer.BadParameter(f"unknown service {unknown}; choose from {SERVICE_NAMES}")
    return [n for n in SERVICE_NAMES if n in names]


def main() -> None:
    app()


if __name__ == "__main__":
    main()
