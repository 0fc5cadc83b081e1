"""``jisso registry …`` — operator commands of the registry."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from libs.common.db import create_engine, create_sessionmaker
from libs.common.errors import InvalidInput
from libs.common.outbox import OutboxRelay
from libs.common.settings import Settings
from libs.common.unit_of_work import unit_of_work
from libs.common.uploads import on_disk
from services.cli_support import command_settings, run
from services.registry.local_governments.schemas import ImportResultOut

app = typer.Typer(help="台帳 (registry) commands", no_args_is_help=True)


async def _import_local_governments(
    settings: Settings, data: bytes, progress: Progress
) -> ImportResultOut:
    from services.registry.local_governments.importer import import_csv
    from services.registry.models import load_all_models, outbox

    load_all_models()
    task = progress.add_task("地方公共団体を取り込み中", total=None)

    def advance(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

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
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV of the official code list (UTF-8, UTF-8 with BOM or Shift_JIS)",
        ),
    ],
) -> None:
    """Import 全国地方公共団体コード from a CSV: all rows or, if any row is bad, none."""
    from services.registry.local_governments.csv_file import MAX_BYTES

    settings = command_settings("registry")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns) as progress:
            data = on_disk(file, max_bytes=MAX_BYTES)
            result = run(
                lambda: _import_local_governments(settings, data, progress), settings, redis=False
            )
    except InvalidInput as err:
        for problem in err.errors or []:
            typer.echo(f"{problem.message} [{problem.rule}]", err=True)
        typer.echo(err.detail, err=True)
        raise typer.Exit(code=1) from err
    typer.echo(
        f"created {result.created}, updated {result.updated}, "
        f"unchanged {result.unchanged} (total {result.total})"
    )
