"""``jisso``: the one console script — run, migrate, serve, work, schedule, mint tokens, write
OpenAPI.

This module is the composition root: the only place that knows all three services.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from libs.common.auth import Role, mint_token
from libs.common.header_limits import http_protocol
from libs.common.lg_code import LocalGovernmentCodeError, validate_lg_code
from libs.common.liveness import Heartbeat
from libs.common.liveness import serve as serve_liveness
from libs.common.logging import configure_logging
from libs.common.programmes import LEGEND, normalise_reference
from libs.common.scheduler import run_scheduler
from libs.common.worker import run_workers
from services import runtime
from services.catalogue import DEFAULT_PORTS, SERVICE_NAMES, ServiceChoice, ServiceName
from services.cli_support import (
    EXIT_REFUSED,
    command_settings,
    log_settings,
    refuse,
    refuse_evicting_redis,
    run,
)
from services.registry.cli import app as registry_app
from services.registry.seed.programmes import PROGRAMMES as SEEDED_PROGRAMMES
from services.review.cli import app as review_app
from services.stack import DATA_DIR_VARIABLE, DEFAULT_DATA_DIR

app = typer.Typer(
    help="jisso — 未来技術社会実装事業の業務システム",
    no_args_is_help=True,
    # A bug still shows its traceback, never the values of its variables (settings hold keys).
    pretty_exceptions_show_locals=False,
)
app.add_typer(registry_app, name="registry")
app.add_typer(review_app, name="review")


@app.callback()
def _logging() -> None:
    # Every command logs the same way, configured once before it runs: console lines on a
    # terminal, JSON otherwise (LOG_FORMAT), on stderr (stdout is the command's output, often
    # captured: TOKEN=$(jisso token …)); a refused LOG_LEVEL or LOG_FORMAT is one line.
    # (No docstring: typer would show it as the app's help.) `serve`, `worker` and `scheduler`
    # configure again with their service's (perhaps prefixed) values.
    logs = log_settings()
    configure_logging(logs.log_level, None, logs.log_format, stream=sys.stderr)
    # `migrate` and `up` print a line per migration applied, which says what alembic's INFO
    # lines would (and it logs its plugins' set-up on import): only its warnings are shown.
    logging.getLogger("alembic").setLevel(logging.WARNING)


@app.command()
def up(
    data_dir: Annotated[
        Path,
        typer.Option(
            envvar=DATA_DIR_VARIABLE,
            help="Where the embedded servers keep data (and stack.json, by which every other "
            "jisso command finds them)",
        ),
    ] = Path(DEFAULT_DATA_DIR),
) -> None:
    """Start the whole system: embedded servers when no URLs are set, migrate, APIs, worker, \
scheduler."""
    # The backslash keeps the docstring one line: typer's list of commands keeps its line breaks.
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
    service: Annotated[list[ServiceChoice] | None, typer.Option(help="Only these services")] = None,
) -> None:
    """Upgrade every service's schema to its latest migration (never done at app start-up)."""
    from libs.common.migrations import upgrade  # alembic: only this command and `up` need it

    for name in _services(service):
        settings = command_settings(name)
        pooler = settings.database_pooler
        run(
            lambda: upgrade(name, settings.database_url, pooler=pooler, report=typer.echo),  # noqa: B023
            settings,
            redis=False,
        )
        typer.echo(f"migrated {name}")


@app.command()
def seed() -> None:
    """Load the seed document's facts: the registry's, the review's FY2021 joint-review round \
(idempotent: a second run changes nothing)."""
    from services.seed import seed_services

    registry, review = command_settings("registry"), command_settings("review")
    # The seed sends no message; the review's part reads the registry's programmes
    # (services/seed.py).
    run(lambda: seed_services(registry, review, report=typer.echo), registry, redis=False)


@app.command()
def serve(
    service: Annotated[ServiceChoice, typer.Argument(help="The service to serve")],
    host: str = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Default: 8001/8002/8003")] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            help="Prometheus metrics on this port"
            " (default METRICS_PORT, else 9101/9102/9103; 0: none)"
        ),
    ] = None,
) -> None:
    """Serve one service's API with uvicorn, and its metrics on a port of their own."""
    name = _services([service])[0]
    # refused settings: one line naming them, before the app is built
    settings = command_settings(name, server=True)
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
        http=http_protocol(
            settings.max_header_bytes, settings.max_header_fields, app.state.problem_base
        ),
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
    service: Annotated[
        list[ServiceChoice] | None, typer.Option(help="Only these services' queues")
    ] = None,
    burst: Annotated[bool, typer.Option(help="Exit when the queues are empty")] = False,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve Prometheus metrics and /healthz (liveness) on this port"),
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
    # any refused before a worker starts
    settings = [command_settings(name, redis=True, server=True) for name in names]
    configure_logging(settings[0].log_level, "worker", settings[0].log_format)
    for each in settings:
        refuse_evicting_redis(each)
    # The heartbeat (and the queue-depth gauge it refreshes) only where someone reads it.
    heartbeat = None
    if metrics_port:
        heartbeat = Heartbeat()
        serve_liveness(metrics_port, heartbeat)
    specs = [runtime.worker_spec(n) for n in names]
    for spec in specs:
        spec.job_timeout = job_timeout or spec.job_timeout
    asyncio.run(run_workers(specs, burst=burst, heartbeat=heartbeat))


@app.command()
def scheduler(
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve Prometheus metrics and /healthz (liveness) on this port"),
    ] = None,
) -> None:
    """Enqueue the periodic sweeps of every service (one active scheduler; a second one idles)."""
    settings = command_settings("registry", database=False, redis=True, server=True)
    configure_logging(settings.log_level, "scheduler", settings.log_format)
    heartbeat = Heartbeat()
    if metrics_port:
        serve_liveness(metrics_port, heartbeat)
    asyncio.run(run_scheduler(settings.redis_url, runtime.periodic_sweeps(), heartbeat=heartbeat))


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
    settings = command_settings("registry", database=False)
    lg_code = _checked_claims(role, lg_code=lg_code, programme=programme)
    programme = programme_claim(programme)
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
        refuse(f"refusing to mint a token: {exc}")
    typer.echo(token)


def _checked_claims(role: Role, *, lg_code: str | None, programme: str | None) -> str | None:
    """The claims a role needs, named by the options that give them (one line each); the code
    as the services compare it (ASCII digits: ``１１２０７１`` is ``112071``)."""
    if role is Role.municipality and not lg_code:
        refuse(
            "refusing to mint a token: a municipality token needs --lg-code "
            "(the local government's six-digit code, e.g. --lg-code 112071)"
        )
    if role is Role.reviewer and not programme:
        refuse(
            "refusing to mint a token: a reviewer token needs --programme (the programme the "
            "reviewer is registered for: its id or mark, e.g. --programme meti-maas or ○, or ☆ "
            "for the continuation review)"
        )
    # A claim the role does not use would be ignored by every service: the operator meant
    # another role, or another option.
    for option, value, owner in (
        ("--lg-code", lg_code, Role.municipality),
        ("--programme", programme, Role.reviewer),
    ):
        if value is not None and role is not owner:
            refuse(
                f"refusing to mint a token: {option} is only for a {owner} token, "
                f"not for role {role}: leave it out, or mint --role {owner}"
            )
    if lg_code is None:
        return None
    try:
        return validate_lg_code(lg_code)
    except LocalGovernmentCodeError as exc:
        refuse(f"refusing to mint a token: --lg-code {lg_code!r}: {exc.message}")


def programme_claim(programme: str | None) -> str | None:
    """A joint-review reviewer is registered by programme id, so a mark other than ☆ (which
    names the continuation review) becomes the seeded programme's id: ``--programme ○`` mints a
    token that works, never one refused everywhere."""
    if programme is None:
        return None
    wanted = normalise_reference(programme)
    if wanted == "☆" or wanted not in LEGEND:
        return programme
    return next(pid for pid, (fields, _) in SEEDED_PROGRAMMES.items() if fields["mark"] == wanted)


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


def _services(names: list[ServiceChoice] | None) -> list[ServiceName]:
    """The chosen services (typer refused any other name) in the catalogue's order; all by
    default."""
    return [n for n in SERVICE_NAMES if not names or n in names]


def main() -> None:
    """The console script. A usage error (an unknown option, a ``--service`` that is none of
    the choices) is one line and exit status 2 like every refusal, not click's usage box; a bug
    keeps its traceback (typer's, without local variables)."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # click's errors: usage, bad parameter, missing file
        message = " ".join(exc.format_message().split())
        if message:  # none after the help that `jisso` alone prints
            typer.echo(f"jisso: {message} (see --help)", err=True)
        sys.exit(getattr(exc, "exit_code", EXIT_REFUSED))
    except typer.Abort:
        typer.echo("jisso: aborted", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
