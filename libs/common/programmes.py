"""凡例 — the smart-city programmes as the joint review's legend shows them: their marks in legend
order (☆ □ ○ ● ■), and a programme named by its id or its mark.

Both the registry (which keeps the programmes) and the review service (whose rounds copy them)
list programmes and take them in filters, and no service imports another: the legend's order and
the one parser of a programme reference are this small piece of the domain's sharp edges, like
fiscal years and local-government codes. The programmes themselves — ids, marks, names by fiscal
year — stay the registry's data; what is here is only how a mark sorts and how a reference is read.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from sqlalchemy import ColumnElement, SQLColumnExpression, case

from libs.common.errors import InvalidInput

LEGEND: tuple[str, ...] = ("☆", "□", "○", "●", "■")
"""The marks in the order the published legend lists them (docs/review.md, "Results")."""

# Marks people type for the legend's: an ideographic zero or a large circle for ○, and so on.
_LOOKALIKES = {
    "〇": "○",
    "◯": "○",
    "⭕": "○",
    "☐": "□",
    "◻": "□",
    "⬜": "□",
    "◼": "■",
    "⬛": "■",
    "⚫": "●",
    "⬤": "●",
}
_POSITION = {mark: position for position, mark in enumerate(LEGEND)}
T = TypeVar("T")


def legend_position(mark: str) -> int:
    """0 for ☆ … 4 for ■; a mark the legend lacks sorts after them all."""
    return _POSITION.get(mark, len(LEGEND))


def legend_position_sql(mark: SQLColumnExpression[str]) -> ColumnElement[int]:
    """:func:`legend_position` in SQL, for a list ordered (and cursor-paged) by the database."""
    return case(_POSITION, value=mark, else_=len(LEGEND))


def legend_key(mark: str, tiebreak: str = "") -> tuple[int, str]:
    """The one ordering key of programmes wherever they are listed: legend order, then
    ``tiebreak`` (the id) for marks the legend lacks."""
    return legend_position(mark), tiebreak


def in_legend_order(items: Iterable[T], mark: Callable[[T], str]) -> list[T]:
    return sorted(items, key=lambda item: legend_key(mark(item)))


def marks_in_legend_order(marks: Iterable[str]) -> str:
    """``"■☆○"`` → ``"☆○■"``: a string of marks, as results tables write them."""
    return "".join(sorted(marks, key=lambda mark: legend_key(mark, mark)))


def normalise_reference(value: str) -> str:
    """A programme reference as typed → as stored: NFKC, trimmed, look-alike marks → the legend's,
    ids case-folded."""
    text = unicodedata.normalize("NFKC", value).strip()
    text = _LOOKALIKES.get(text, text)
    return text if text in _POSITION else text.casefold()


def resolve_programme(
    ref: str,
    programmes: Sequence[tuple[str, str]],
    field: str,
    *,
    rule: str = "unknown_programme",
    refusal: str = "事業が見つかりません",
) -> str:
    """The id of the programme ``ref`` names by id or by mark, among ``programmes`` (id, mark)
    pairs; else a 422 naming ``field`` and ``rule`` that lists them in legend order (each caller
    keeps the rule code its contract already documents)."""
    wanted = normalise_reference(ref)
    for programme_id, mark in programmes:
        if wanted in (programme_id.casefold(), mark):
            return programme_id
    listed = ", ".join(
        f"{programme_id} ({mark})"
        for programme_id, mark in sorted(programmes, key=lambda p: legend_key(p[1], p[0]))
    )
    raise InvalidInput.field(
        field, rule, f"{refusal}: {ref!r}（unknown programme; give an id or a mark: {listed}）"
    )
