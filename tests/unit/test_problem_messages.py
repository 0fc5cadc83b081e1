"""Every problem a caller reads is Japanese first (issue 16): no typed error of ours is raised with
an English-only detail. Read from the source, so a new ``Conflict("…")`` in English fails here
before a trial user finds it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNEL_ERRORS = {"DomainError"}


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for folder in ("libs", "services"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _error_classes(modules: list[tuple[Path, ast.Module]]) -> set[str]:
    """``DomainError`` and every class that derives from it, by name, wherever declared."""
    known = set(KERNEL_ERRORS)
    classes = [n for _, tree in modules for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    grown = True
    while grown:
        before = len(known)
        known |= {c.name for c in classes if any(ast.unparse(b) in known for b in c.bases)}
        grown = len(known) > before
    return known


def _detail(call: ast.Call, errors: set[str]) -> ast.expr | None:
    """The detail argument of ``Error("…")`` or the message of ``InvalidInput.field(f, r, "…")``."""
    function = call.func
    if isinstance(function, ast.Name) and function.id in errors and call.args:
        return call.args[0]
    if (
        isinstance(function, ast.Attribute)
        and function.attr == "field"
        and ast.unparse(function.value) in errors
        and len(call.args) >= 3
    ):
        return call.args[2]
    return None


def _literal_text(node: ast.expr) -> str | None:
    """The text a string literal or f-string writes itself; None for a value from elsewhere."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return None


def test_no_typed_error_is_raised_with_an_english_only_detail() -> None:
    modules = list(_modules())
    errors = _error_classes(modules)
    assert {"Conflict", "Unauthorized", "PreconditionRequired", "InvalidLink"} <= errors
    english_only = []
    for path, tree in modules:
        calls = (node for node in ast.walk(tree) if isinstance(node, ast.Call))
        for call in calls:
            detail = _detail(call, errors)
            text = _literal_text(detail) if detail is not None else None
            if text is not None and text.isascii():
                english_only.append(f"{path.relative_to(ROOT)}:{call.lineno}: {text!r}")
    assert english_only == []
