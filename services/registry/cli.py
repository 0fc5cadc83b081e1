"""``jisso registry …`` — operator commands of the registry."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import Annotated

import typer

from libs.common.db import create_engine, create_sessionmaker
from libs.common.errors import DomainError
from libs.common.outbox import OutboxRelay
from libs.common.settings import Settings
from libs.common.unit_of_work import unit_of_work
from services.cli_imports import LazyProgress, read_operator_file, refuse_problem
from services.cli_support import command_settings, run
from services.registry.local_governments.schemas import ImportResultOut

app = typer.Typer(help="台帳 (registry) commands", no_args_is_help=True)


async def _import_local_governments(
    settings: Settings, data: bytes, advance: Callable[[int, int], None]
) -> ImportResultOut:
    from services.registry.local_governments.importer import import_csv
    from services.registry.models import load_all_models, outbox

    load_all_models()
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    relay = OutboxRelay(sessionmaker, outbox, redis_url=settings.redis_url)
    try:
        async with unit_of_work(sessionmaker, relay=relay) as session:
            return await import_csv(
                session, data=data, actor=f"cli:{getpass.getuser()}", progress=advance
            )
    finally:
        await engine.dispose()


@app.command("import-local-governments")
def import_local_governments(
    file: Annotated[
        str,
        typer.Argument(help="CSV of the official code list (UTF-8, UTF-8 with BOM or Shift_JIS)"),
    ],
) -> None:
    """Import 全国地方公共団体コード from a CSV: all rows or, if any row is bad, none."""
    from services.registry.local_governments.csv_file import MAX_BYTES

    data = read_operator_file(file, max_bytes=MAX_BYTES)
    settings = command_settings("registry")
    try:
        with LazyProgress("地方公共団体を取り込み中") as progress:
            result = run(
                lambda: _import_local_governments(settings, data, progress.update),
                settings,
                redis=False,
            )
    except DomainError as err:  # a refused file: nothing was imported
        refuse_problem(err)
    typer.echo(
        f"created {result.created}, updated {result.updated}, "
        f"unchanged {result.unchanged} (total {result.total})"
    )
