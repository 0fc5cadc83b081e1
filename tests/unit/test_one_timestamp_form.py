"""Timestamps in one form across the three services (issue 18): every datetime field of a schema
is ``TokyoDatetime`` (an aware Asia/Tokyo instant, written with ``+09:00``), never a bare
``datetime`` that pydantic would write in whatever zone the value came in (``Z`` from the
database)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SERVICES = Path(__file__).resolve().parents[2] / "services"


def _bare_datetime_fields(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            if isinstance(statement, ast.AnnAssign) and "datetime" in {
                n.id for n in ast.walk(statement.annotation) if isinstance(n, ast.Name)
            }:
                found.append(
                    f"{path.relative_to(SERVICES)}: {node.name}.{ast.unparse(statement.target)}"
                )
    return found


def test_every_schema_timestamp_is_a_tokyo_datetime() -> None:
    schemas = [p for p in SERVICES.rglob("*.py") if "schemas" in p.name]
    assert len(schemas) > 20
    assert [field for path in schemas for field in _bare_datetime_fields(path)] == []
