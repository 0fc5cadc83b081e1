"""What the commands that import an operator's file share (``jisso registry
import-local-governments``, ``jisso review import-joint-review-results``): the file read, or
refused in one line that is Japanese first; a progress bar that appears only once rows are being
stored, so a refusal before that leaves no bar behind; and a refused import said once, exit 2."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import NoReturn

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from libs.common.errors import DomainError
from libs.common.uploads import on_disk
from services.cli_support import refuse


def read_operator_file(name: str, *, max_bytes: int) -> bytes:
    """The file the operator named (at most ``max_bytes + 1`` bytes, for the import's own cap);
    a file that cannot be read is one line (the argument is a plain string, so that typer's boxed
    English error never stands in for this)."""
    path = Path(name)
    try:
        return on_disk(path, max_bytes=max_bytes)
    except FileNotFoundError:
        refuse(f"ファイルがありません: {name}（no such file）")
    except IsADirectoryError:
        refuse(f"ファイルではなくディレクトリです: {name}（a directory, not a file）")
    except PermissionError:
        refuse(f"ファイルを読む権限がありません: {name}（permission denied）")
    except OSError as exc:
        refuse(f"ファイルを読めません: {name}（{exc.strerror or exc}）")


def refuse_problem(error: DomainError) -> NoReturn:
    """A refused import: each problem of a file with several on its own line, then the refusal;
    one problem, or none, is the refusal's one line (never the same message twice)."""
    problems = error.errors or []
    if len(problems) > 1 or (problems and problems[0].message != error.detail):
        for problem in problems:
            typer.echo(f"{problem.field}: {problem.message} [{problem.rule}]", err=True)
    refuse(error.detail)


class LazyProgress:
    """A progress bar started by the first report of progress, stopped on leaving the block."""

    def __init__(self, description: str) -> None:
        self.description = description
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
            self._bar = Progress(*columns)
            self._bar.start()
            self._task = self._bar.add_task(self.description, total=total)
        assert self._task is not None
        self._bar.update(self._task, completed=done, total=total)

    def __enter__(self) -> LazyProgress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
