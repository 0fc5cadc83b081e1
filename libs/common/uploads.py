"""Reading an imported file (CSV) within bounds: bytes, encoding, rows, and problems reported.

Imports check every row before storing any (all or nothing) and answer a bad file with a 422 that
lists its problems. Unbounded, one 5 MB file of bad project rows meant ~88,000 rows checked one
database round trip at a time, ~400 MB of problem objects and a 50 MB answer, minutes later. So
every import reads its file through here, whether it came over HTTP (:func:`received`) or from the
operator's disk (:func:`on_disk`), and splits it with :func:`read_csv`:

- a byte cap: at most one byte past it is kept while the file is read, chunk by chunk, and a file
  past it is a 422 ``too_large`` before it is decoded;
- the encoding detected: UTF-8, UTF-8 with a BOM, or Shift_JIS (cp932, as Excel in Japan saves);
- a row cap, counted while the file is read: the row past the cap is a 422 ``too_many_rows`` at
  once, before any row is checked;
- at most ``MAX_REPORTED`` problems (and bad line numbers) in the answer, with how many there were
  in all (``error_count``, ``line_count``): a bad file costs a bounded answer, however bad it is.

Cells are read as written: the apostrophe the spreadsheet writer puts before a text that would start
a formula is removed (see ``libs.common.spreadsheet``), so an edited export imports as exported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from libs.common.errors import FieldProblem, InvalidInput, UnsupportedMediaType
from libs.common.spreadsheet import as_written

MAX_REPORTED = 100
# UTF-8 first: cp932 would also "decode" many UTF-8 files into mojibake, never the reverse. Excel in
# Japan saves CSV as Shift_JIS (cp932).
ENCODINGS = ("utf-8-sig", "cp932")
# A body sent as the file itself; anything else but a multipart form is a 415.
FILE_MEDIA_TYPES = ("text/csv", "text/plain", "application/octet-stream")


# The 415 :func:`received` answers, as an import route documents it (``problems(extra=...)``).
UNSUPPORTED_UPLOAD = {415: "Neither text/csv nor multipart/form-data"}


def upload_request_body(example: str) -> dict[str, Any]:
    """The ``openapi_extra`` of an import route: the two bodies :func:`received` reads, the CSV
    itself (with ``example``) or a multipart form with a ``file`` part. Written once so that every
    import states the same contract (取込ファイルの受け取り方)."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": example},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    }


async def received(request: Request, *, max_bytes: int) -> bytes:
    """The uploaded file: the body itself (``text/csv``, ``text/plain``, octet-stream) or the
    ``file`` part of a multipart form. Only its first ``max_bytes + 1`` bytes are kept: enough for
    :func:`read_csv` to refuse a file over the cap, never the whole of a huge one."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        upload = (await request.form()).get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput.field(
                "body.file",
                "required",
                "file フィールドに CSV を添付してください（file is required）",
            )
        return await upload.read(max_bytes + 1)
    if media_type in FILE_MEDIA_TYPES:
        return await _body_head(request, max_bytes + 1)
    raise UnsupportedMediaType(
        f"text/csv または multipart/form-data で送ってください（got {media_type or 'nothing'}）"
    )


async def _body_head(request: Request, keep: int) -> bytes:
    """The body's first ``keep`` bytes, read as it streams in. The rest is read and dropped, so the
    kernel's body limit (``libs.common.limits``) still answers a body far past the cap with 413."""
    head = bytearray()
    async for chunk in request.stream():
        if len(head) < keep:
            head += chunk[: keep - len(head)]
    return bytes(head)


def on_disk(path: Path, *, max_bytes: int) -> bytes:
    """A file the operator names to a command: like an upload, at most ``max_bytes + 1`` bytes."""
    with path.open("rb") as handle:
        return handle.read(max_bytes + 1)


def read_csv(content: bytes, *, max_bytes: int, max_rows: int) -> CsvReader:
    """The file's header and data rows, within its byte cap (checked first), its encoding and its
    row cap (checked while the rows are read)."""
    return CsvReader(_decode(content, max_bytes=max_bytes), max_rows=max_rows)


def _decode(content: bytes, *, max_bytes: int) -> str:
    if len(content) > max_bytes:
        megabytes = max_bytes // (1024 * 1024)
        raise InvalidInput.field(
            "file",
            "too_large",
            f"ファイルは{megabytes}MBまでです（file larger than {megabytes} MB）",
            max_bytes=max_bytes,
        )
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput.field(
        "file",
        "encoding",
        "文字コードを判別できません。UTF-8 または Shift_JIS で保存してください"
        "（expected UTF-8, UTF-8 with BOM or Shift_JIS/cp932）",
    )


@dataclass(frozen=True)
class CsvRow:
    """A data row that is not blank: the line it starts on and its cells, as written and
    stripped."""

    line: int
    cells: list[str]


class CsvReader:
    """The header (``None`` for an empty file), then the data rows one at a time, at most
    ``max_rows`` of them. A file the csv module cannot read (a field over its 128 KiB limit, a bare
    CR inside a field) is a 422 naming the line."""

    def __init__(self, text: str, *, max_rows: int) -> None:
        # newline="": a quoted field may hold a line break (the csv module's documented rule).
        self._reader = csv.reader(io.StringIO(text, newline=""))
        self.max_rows = max_rows
        first = next(self._records(), None)
        self.header = None if first is None else [as_written(h).strip() for h in first]

    def _records(self) -> Iterator[list[str]]:
        try:
            yield from self._reader
        except csv.Error as exc:
            raise InvalidInput.field(
                f"line[{self._reader.line_num}]", "csv", f"CSV として読めません（{exc}）"
            ) from exc

    def __iter__(self) -> Iterator[CsvRow]:
        count = 0
        start = self._reader.line_num + 1
        for cells in self._records():
            if any(cell.strip() for cell in cells):
                count += 1
                if count > self.max_rows:
                    raise InvalidInput.field(
                        "file",
                        "too_many_rows",
                        f"データ行は{self.max_rows}行までです"
                        f"（more than {self.max_rows} data rows; nothing was imported）",
                        max_rows=self.max_rows,
                    )
                yield CsvRow(start, [as_written(cell).strip() for cell in cells])
            start = self._reader.line_num + 1


@dataclass
class FileProblems:
    """The problems of one file: all counted, the first ``MAX_REPORTED`` kept. A problem past
    those is never even built, so a file with a million bad cells costs a counter."""

    errors: list[FieldProblem] = field(default_factory=list)
    error_count: int = 0
    bad_lines: set[int] = field(default_factory=set)

    def report(self, line: int | None, where: str, rule: str, message: str) -> None:
        """One problem of a line (``None``: of the whole file)."""
        self.error_count += 1
        if line is not None:
            self.bad_lines.add(line)
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(FieldProblem(field=where, rule=rule, message=message))

    def add(self, line: int | None, problems: Iterable[FieldProblem]) -> None:
        for problem in problems:
            self.report(line, problem.field, problem.rule, problem.message)

    def __bool__(self) -> bool:
        return self.error_count > 0

    def refuse(self) -> InvalidInput:
        """The 422 for the whole file, which imported nothing."""
        listed = (
            f"; the first {len(self.errors)} of {self.error_count} problems are listed"
            if self.error_count > len(self.errors)
            else ""
        )
        bad = len(self.bad_lines)
        return InvalidInput(
            f"{bad}行に誤りがあるため、何も取り込んでいません"
            f"（{bad} bad rows; nothing was imported{listed}）",
            errors=self.errors,
            lines=sorted(self.bad_lines)[:MAX_REPORTED],
            error_count=self.error_count,
            line_count=bad,
        )
