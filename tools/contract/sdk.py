"""`make sdk`: the clients a partner generates from the committed contract (openapi/*.json).

- ``clients/python/jisso-<service>-client/``: a package per service (openapi-python-client), to
  ``pip install`` or put on the path;
- ``clients/typescript/<service>.ts``: each service's paths and schemas as types
  (openapi-typescript), type-checked by tsc together with ``tools/contract/example.ts``, the use
  the README shows.

``clients/`` is not committed: it follows byte for byte from the documents and the generators
pinned in requirements.lock and tools/contract/package-lock.json, and committing it would make
every change of a schema a second, generated change to review and to merge.

Generation is clean or fails. A generator's warning fails it unless ``KNOWN_WARNINGS`` names it
with why, and a named warning that no longer occurs fails it too (so the list only shrinks);
every operation of a document must come out as a function of its Python client, every module of
that client must import, and the TypeScript must type-check.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tools.contract.known_warnings import KNOWN_WARNINGS

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "contract"
NODE_BIN = TOOLS / "node_modules" / ".bin"
CLIENTS = ROOT / "clients"
SERVICES = ("registry", "review", "notify")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# A spreadsheet download is a file: the generator knows files only as octet-stream, and would
# otherwise leave the 200 of every .xlsx export out of its client (an UnexpectedStatus).
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPE_OVERRIDES = {XLSX: "application/octet-stream"}

# Every module of a generated package, imported: a template that leaves a name undefined fails
# here, not in a partner's program.
IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(module.name)
"""


class GenerationFailed(Exception):
    """What made generation unclean, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def document(service: str) -> Path:
    return ROOT / "openapi" / f"{service}.json"


def package_name(service: str) -> str:
    return f"jisso_{service}_client"


def python_client(service: str, destination: Path) -> Path:
    """``jisso-<service>-client`` generated afresh under ``destination``; the folder to put on
    ``sys.path`` (or to ``pip install``). Raises ``GenerationFailed``."""
    from openapi_python_client import MetaType, generate
    from openapi_python_client.config import Config, ConfigFile

    project = destination / f"jisso-{service}-client"
    shutil.rmtree(project, ignore_errors=True)
    ruff = f"{shlex.quote(sys.executable)} -m ruff"
    config_file = ConfigFile(
        project_name_override=project.name,
        package_name_override=package_name(service),
        content_type_overrides=CONTENT_TYPE_OVERRIDES,
        post_hooks=[f"{ruff} check --fix-only .", f"{ruff} format ."],
    )
    config = Config.from_sources(
        config_file, MetaType.UV, document(service), "utf-8", True, output_path=project
    )
    problems = unexplained_warnings(service, generate(config=config))
    problems += missing_operations(service, project / package_name(service))
    if not problems:
        problems += unimportable_modules(service, project)
    if problems:
        raise GenerationFailed(problems)
    return project


def unexplained_warnings(service: str, errors: Iterable[Any]) -> list[str]:
    """A line for each warning not in ``KNOWN_WARNINGS``, and for each known one not given; the
    known ones are printed, so they stay in sight."""
    known = KNOWN_WARNINGS.get(service, {})
    given = set()
    problems = []
    for error in errors:
        key = (_where(error.header), (error.detail or "").strip())
        skipped = "will not be generated" in error.header
        if error.level.value == "WARNING" and key in known and not skipped:
            given.add(key)
            print(f"{service}: known warning, {key[0]}: {key[1]} ({known[key]})")
        else:
            problems.append(f"{service}: {error.header} {error.detail or ''}".strip())
    problems += [
        f"{service}: no longer warns ({where}: {what}): drop it from KNOWN_WARNINGS"
        for where, what in known
        if (where, what) not in given
    ]
    return problems


def _where(header: str) -> str:
    """``POST /v1/projects/imports`` from the generator's header for an operation."""
    found = re.match(r"\w+ parsing (\w+ \S+) within ", header)
    return found.group(1) if found else header.strip()


def missing_operations(service: str, package: Path) -> list[str]:
    """An operation of the document with no module in the client: a skipped endpoint."""
    from openapi_python_client.strings import PythonIdentifier

    paths = json.loads(document(service).read_text())["paths"]
    expected = {
        str(PythonIdentifier(operation["operationId"], "field_")): f"{method.upper()} {path}"
        for path, item in paths.items()
        for method, operation in item.items()
        if method in METHODS
    }
    generated = {module.stem for module in (package / "api").glob("*/*.py")}
    return [
        f"{service}: {operation} ({name}) is not in the client"
        for name, operation in sorted(expected.items())
        if name not in generated
    ]


def unimportable_modules(service: str, project: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_MODULE, package_name(service)],
        cwd=project,
        capture_output=True,
        text=True,
    )
    return [] if done.returncode == 0 else [f"{service}: the client does not import:", done.stderr]


def typescript_types(service: str, destination: Path) -> Path:
    """``<service>.ts`` under ``destination``: the document's paths, operations and schemas,
    each schema also exported by its own name. Raises ``GenerationFailed``."""
    destination.mkdir(parents=True, exist_ok=True)
    target = destination / f"{service}.ts"
    done = subprocess.run(
        [
            str(NODE_BIN / "openapi-typescript"),
            str(document(service)),
            "--output",
            str(target),
            "--root-types",
            "--root-types-no-schema-prefix",
        ],
        capture_output=True,
        text=True,
    )
    said = [line for line in (done.stdout + done.stderr).splitlines() if _not_progress(line)]
    if done.returncode != 0 or said:
        raise GenerationFailed([f"{service}: openapi-typescript:", *said])
    return target


def _not_progress(line: str) -> bool:
    """openapi-typescript's banner and its one line per document written are not warnings."""
    return bool(line.strip()) and not re.match(r"^(✨ openapi-typescript |🚀 )", line)


def typecheck() -> None:
    """tsc --noEmit over clients/typescript and the README's example (tools/contract)."""
    done = subprocess.run(
        [str(NODE_BIN / "tsc"), "--project", str(TOOLS / "tsconfig.json")],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise GenerationFailed(["tsc --noEmit:", done.stdout + done.stderr])


def main() -> int:
    problems: list[str] = []
    for service in SERVICES:
        for generate_one, folder in ((python_client, "python"), (typescript_types, "typescript")):
            try:
                written = generate_one(service, CLIENTS / folder)
                print(f"{service}: {written.relative_to(ROOT)}")
            except GenerationFailed as failed:
                problems += failed.problems
    if not problems:
        try:
            typecheck()
        except GenerationFailed as failed:
            problems += failed.problems
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
