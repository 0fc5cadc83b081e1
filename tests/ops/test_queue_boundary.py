"""arq is behind libs.common.queue: no other module of the code imports it.

The walk reads every module's imports (``import arq…``, ``from arq… import``, and the same inside a
function), so a swap of the queue is a change of that package and of nothing else.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUEUE_PACKAGE = ROOT / "libs" / "common" / "queue"
CODE = ("libs", "services", "devtools", "bench", "tools")


def arq_imports(source: str) -> list[int]:
    """Lines of ``source`` that import arq or one of its modules."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name == "arq" or name.startswith("arq.") for name in names):
            lines.append(node.lineno)
    return lines


def modules_outside_the_queue() -> list[Path]:
    found = []
    for top in CODE:
        for path in sorted((ROOT / top).rglob("*.py")):
            if QUEUE_PACKAGE not in path.parents:
                found.append(path)
    return found


@pytest.mark.parametrize(
    "source",
    ["import arq", "from arq.worker import Retry", "def f():\n    import arq.connections as c"],
)
def test_the_walk_finds_every_form_of_import(source: str) -> None:
    assert arq_imports(source), source


def test_the_walk_leaves_other_imports_alone() -> None:
    assert arq_imports("import arquebus\nfrom libs.common.queue import connect\n") == []


def test_no_module_outside_the_queue_package_imports_arq() -> None:
    modules = modules_outside_the_queue()
    assert len(modules) > 100, "the walk found too few modules to mean anything"
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in modules
        if (lines := arq_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, f"import arq only in libs/common/queue/: {offenders}"


def test_the_queue_package_is_where_arq_is() -> None:
    inside = [p for p in QUEUE_PACKAGE.rglob("*.py") if arq_imports(p.read_text(encoding="utf-8"))]
    assert inside, "libs/common/queue/ no longer imports arq: update this test and the docs"
