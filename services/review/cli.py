"""``jisso review …`` — operator commands of the review service."""

from __future__ import annotations

import getpass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from libs.common.errors import DomainError
from libs.common.fiscal_year import (
    FiscalYearError,
    fiscal_year_label,
    now_tokyo,
    parse_fiscal_year,
)
from services.cli_support import command_settings, refuse, run

if TYPE_CHECKING:
    from services.review.continuation.sweeps.service import SweepReport

app = typer.Typer(help="審査 (review) commands", no_args_is_help=True)


@app.command("import-joint-review-results")
def import_joint_review_results(
    file: Annotated[
        str,
        typer.Argument(
            help="CSV: 項番, プロジェクト実施地域, 選定事業, 過年度選定 (UTF-8 or Shift_JIS)"
        ),
    ],
    fiscal_year: Annotated[
        str, typer.Option("--fiscal-year", help="The table's fiscal year: R3, 2021, 令和3年度 …")
    ],
) -> None:
    """Load a published joint-review results table as a closed round of a fiscal year (a year
    already imported is left as it is)."""
    from services.cli_imports import LazyProgress, read_operator_file, refuse_problem
    from services.review.joint_review.commands import import_results_file
    from services.review.joint_review.results.importer import MAX_BYTES, AlreadyImported, unchanged

    # The operator's input first: refused before any server is asked or any bar drawn.
    fy = _fiscal_year_to_import(fiscal_year)
    content = read_operator_file(file, max_bytes=MAX_BYTES)
    settings = command_settings("review")
    try:
        with LazyProgress(f"{fiscal_year_label(fy)}の選定結果を取り込み中") as progress:
            results = run(
                lambda: import_results_file(
                    settings,
                    content=content,
                    fiscal_year=fy,
                    actor=f"cli:{getpass.getuser()}",
                    source=Path(file).name,
                    progress=progress.update,
                ),
                settings,
                redis=False,  # the import sends nothing
            )
    except AlreadyImported:  # nothing to do, as `jisso seed` says of its table
        typer.echo(unchanged(fy))
        return
    except DomainError as err:  # a refused file: nothing was imported
        refuse_problem(err)
    typer.echo(
        f"{results.fiscal_year_label}: {results.totals.regions_selected} regions, "
        f"{results.totals.collaborating} collaborating (round {results.round_id})"
    )


def _fiscal_year_to_import(given: str) -> int:
    """``--fiscal-year`` as a year whose table can exist (one that has begun)."""
    from services.review.joint_review.results.importer import check_fiscal_year

    try:
        fy = parse_fiscal_year(given)
        check_fiscal_year(fy, now_tokyo().date())
    except FiscalYearError as exc:
        refuse(f"--fiscal-year {given!r}: {exc.message}")
    except DomainError as err:
        refuse(f"--fiscal-year {given!r}: {err.detail}")
    return fy


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
    apply_future: Annotated[
        bool,
        typer.Option(
            "--apply-future-effects-now",
            help="Let a future --as-of really run: what is due then (term ends, reminders) "
            "happens today and cannot be undone",
        ),
    ] = False,
) -> None:
    """Run the continuation sweep: reminders, escalations, 未申請 at the deadline, term ends."""
    from services.review.config import get_review_settings
    from services.review.continuation.commands import check_as_of, run_sweep
    from services.review.continuation.sweeps.service import STEPS, parse_as_of

    try:
        moment = parse_as_of(as_of)
    except ValueError:
        refuse(f"--as-of {as_of!r} is not a date or time: use ISO 8601, e.g. 2022-04-01T00:00")
    try:  # the operator's risk first: refused before any server is asked
        check_as_of(moment, now=now_tokyo(), dry_run=dry_run, apply_future=apply_future)
    except DomainError as err:
        refuse(err.detail)
    settings = command_settings("review", redis=not dry_run)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns) as progress:
        task = progress.add_task("継続審査の定期処理", total=len(STEPS))
        report = run(
            lambda: run_sweep(
                settings,
                get_review_settings(),
                as_of=moment,
                dry_run=dry_run,
                apply_future=apply_future,
                progress=lambda step: progress.update(task, advance=1, description=step),
            ),
            settings,
            redis=not dry_run,
        )
    _print_report(report, moment, dry_run=dry_run)


def _print_report(report: SweepReport, moment: datetime, *, dry_run: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    from services.review.continuation.sweeps.service import effect_label

    title = f"as of {moment.isoformat()}" + ("（dry run: nothing written）" if dry_run else "")
    table = Table("effect", "内容", "count", title=title)
    for effect, count in report.counts.items():
        table.add_row(effect, effect_label(effect), str(count))
    Console().print(table)
