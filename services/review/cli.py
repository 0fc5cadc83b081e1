"""``jisso review …`` — operator commands of the review service."""

from __future__ import annotations

import asyncio
import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from libs.common.errors import DomainError
from libs.common.fiscal_year import FiscalYearError, fiscal_year_label, parse_fiscal_year
from libs.common.settings import get_settings

app = typer.Typer(help="審査 (review) commands", no_args_is_help=True)


@app.command("import-joint-review-results")
def import_joint_review_results(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV: 項番, プロジェクト実施地域, 選定事業, 過年度選定 (UTF-8 or Shift_JIS)",
        ),
    ],
    fiscal_year: Annotated[
        str, typer.Option("--fiscal-year", help="The table's fiscal year: R3, 2021, 令和3年度 …")
    ],
) -> None:
    """Load a published joint-review results table as a closed round of a fiscal year."""
    from libs.common.uploads import on_disk
    from services.review.joint_review.commands import import_results_file
    from services.review.joint_review.results.importer import MAX_BYTES

    try:
        fy = parse_fiscal_year(fiscal_year)
    except FiscalYearError as exc:
        raise typer.BadParameter(exc.message, param_hint="--fiscal-year") from None
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns) as progress:
            task = progress.add_task(f"{fiscal_year_label(fy)}の選定結果を取り込み中", total=None)
            results = asyncio.run(
                import_results_file(
                    get_settings("review"),
                    content=on_disk(file, max_bytes=MAX_BYTES),
                    fiscal_year=fy,
                    actor=f"cli:{getpass.getuser()}",
                    source=file.name,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
            )
    except DomainError as err:
        for problem in err.errors or []:
            typer.echo(f"{problem.field}: {problem.message} [{problem.rule}]", err=True)
        typer.echo(err.detail, err=True)
        raise typer.Exit(code=1) from err
    typer.echo(
        f"{results.fiscal_year_label}: {results.totals.regions_selected} regions, "
        f"{results.totals.collaborating} collaborating (round {results.round_id})"
    )


@app.command("sweep")
def sweep(
    as_of: Annotated[
        str,
        typer.Option(
            "--as-of",
            help="The instant to sweep as of: 2022-04-01T00:00 (JST if no offset) or 2022-04-01",
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would happen; write nothing")
    ] = False,
) -> None:
    """Run the continuation sweep: reminders, escalations, 未申請 at the deadline, term ends."""
    from rich.console import Console
    from rich.table import Table

    from services.review.config import get_review_settings
    from services.review.continuation.commands import run_sweep
    from services.review.continuation.sweeps.service import STEPS, effect_label, parse_as_of

    try:
        moment = parse_as_of(as_of)
    except ValueError:
        raise typer.BadParameter(
            "use ISO 8601, e.g. 2022-04-01T00:00", param_hint="--as-of"
        ) from None
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns) as progress:
        task = progress.add_task("継続審査の定期処理", total=len(STEPS))
        report = asyncio.run(
            run_sweep(
                get_settings("review"),
                get_review_settings(),
                as_of=moment,
                dry_run=dry_run,
                progress=lambda step: progress.update(task, advance=1, description=step),
            )
        )
    title = f"as of {moment.isoformat()}" + ("（dry run: nothing written）" if dry_run else "")
    table = Table("effect", "内容", "count", title=title)
    for effect, count in report.counts.items():
        table.add_row(effect, effect_label(effect), str(count))
    Console().print(table)
