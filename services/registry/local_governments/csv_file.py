"""Reading the official code list's CSV (団体コード, 都道府県名（漢字）, …) or a simpler layout.

Only the layout lives here (reading within the caps is ``libs.common.uploads``); what makes a row
valid is the service's business.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from libs.common import uploads
from libs.common.errors import InvalidInput

# Caps (docs/registry.md): the official list is about 100 kB and about 1,800 rows.
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000


class Column(StrEnum):
    CODE = "code"
    PREFECTURE = "prefecture"
    MUNICIPALITY = "municipality"
    PREFECTURE_KANA = "prefecture_kana"
    KANA = "kana"


# Keys are headers after NFKC, without spaces, casefolded: （漢字） and (漢字) are one header.
_HEADERS: dict[str, Column] = {
    "団体コード": Column.CODE,
    "地方公共団体コード": Column.CODE,
    "コード": Column.CODE,
    "code": Column.CODE,
    "都道府県名(漢字)": Column.PREFECTURE,
    "都道府県名": Column.PREFECTURE,
    "市区町村名(漢字)": Column.MUNICIPALITY,
    "市区町村名": Column.MUNICIPALITY,
    "都道府県名(カナ)": Column.PREFECTURE_KANA,
    "市区町村名(カナ)": Column.KANA,
    "カナ": Column.KANA,
}
REQUIRED = (Column.CODE, Column.PREFECTURE, Column.MUNICIPALITY)


@dataclass(frozen=True)
class CsvRow:
    """One data row as written; ``None`` for a column the file does not have."""

    line: int
    code: str
    prefecture: str
    municipality: str
    prefecture_kana: str | None
    kana: str | None

    @property
    def is_prefecture_row(self) -> bool:
        """The official list leaves 市区町村名 empty on the prefecture's own row."""
        return not self.municipality


@dataclass(frozen=True)
class CsvTable:
    headers: dict[Column, str]  # column → the header as the file writes it
    rows: list[CsvRow]


def _header_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _map_headers(header: list[str]) -> dict[Column, int]:
    positions: dict[Column, int] = {}
    for index, text in enumerate(header):
        column = _HEADERS.get(_header_key(text))
        if column is not None and column not in positions:
            positions[column] = index
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        raise InvalidInput.field(
            "file.header",
            "missing_column",
            "見出し行に必要な列がありません: 団体コード, 都道府県名, 市区町村名"
            f"（missing columns: {', '.join(missing)}; got {header!r}）",
        )
    return positions


def read_table(data: bytes) -> CsvTable:
    """Decode and split ``data`` within the byte and row caps; a missing header or no data row is
    a 422 for the whole file."""
    reader = uploads.read_csv(data, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    header = reader.header
    if header is None:
        raise InvalidInput.field("file", "empty", "ファイルが空です（the file is empty）")
    positions = _map_headers(header)
    rows: list[CsvRow] = []
    for row in reader:
        cells = row.cells

        def cell(column: Column, cells: list[str] = cells) -> str | None:
            index = positions.get(column)
            if index is None:
                return None
            return cells[index] if index < len(cells) else ""

        rows.append(
            CsvRow(
                line=row.line,
                code=cell(Column.CODE) or "",
                prefecture=cell(Column.PREFECTURE) or "",
                municipality=cell(Column.MUNICIPALITY) or "",
                prefecture_kana=cell(Column.PREFECTURE_KANA),
                kana=cell(Column.KANA),
            )
        )
    if not rows:
        raise InvalidInput.field("file", "empty", "データ行がありません（no data rows）")
    return CsvTable(headers={c: header[i] for c, i in positions.items()}, rows=rows)
