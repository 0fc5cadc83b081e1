"""The image's inputs as the Docker build reads them: the Dockerfile through Docker's own parser
(the ``dockerfile`` package), the build context through docker-py's ``.dockerignore`` matcher, and
the locks with uv's ``# via`` annotations. Shared by test_image.py and test_image_build.py."""

from __future__ import annotations

import re
import subprocess
import tomllib
from functools import cache
from pathlib import Path

import dockerfile
from docker.utils.build import exclude_paths

from tests.deploy.manifests import ROOT

DOCKERFILE = "deploy/Dockerfile"
LOCK = ROOT / "requirements.lock"
RUNTIME_LOCK = ROOT / "deploy" / "requirements-runtime.lock"
PYPROJECT = ROOT / "pyproject.toml"


@cache
def instructions() -> tuple[dockerfile.Command, ...]:
    return dockerfile.parse_file(str(ROOT / DOCKERFILE))


def stages() -> list[list[dockerfile.Command]]:
    """The instructions of each stage, in order (each list starts with its FROM)."""
    result: list[list[dockerfile.Command]] = []
    for command in instructions():
        if command.cmd == "FROM":
            result.append([])
        if result:
            result[-1].append(command)
    return result


def global_args() -> dict[str, str]:
    """The ARGs declared before the first FROM, with their defaults."""
    args: dict[str, str] = {}
    for command in instructions():
        if command.cmd == "FROM":
            break
        if command.cmd == "ARG":
            name, _, default = command.value[0].partition("=")
            args[name] = default
    return args


def copy_sources() -> list[str]:
    """Every source a COPY takes from the build context (not ``--from`` another stage)."""
    sources: list[str] = []
    for command in instructions():
        if command.cmd in ("COPY", "ADD") and not any(
            flag.startswith("--from=") for flag in command.flags
        ):
            sources += command.value[:-1]
    return sources


def dockerignore_patterns(context: Path) -> list[str]:
    """The patterns as docker-py reads .dockerignore (docker/api/build.py: stripped lines, no blank
    lines, no comments)."""
    lines = [line.strip() for line in (context / ".dockerignore").read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def admitted(context: Path) -> set[str]:
    """The paths (files and directories, relative) a build of ``context`` sends to the builder."""
    return set(exclude_paths(str(context), dockerignore_patterns(context), dockerfile=DOCKERFILE))


def project_files() -> list[str]:
    """The repository's files as a fresh clone has them (tracked, plus new files not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


# --- the locks ------------------------------------------------------------------------------------


def normal(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> dict[str, str]:
    """``name: version`` of every requirement line of a uv lock."""
    found: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line):
            found[normal(match[1])] = match[2]
    return found


# A `# via` comment's line: `    # via pydantic`, `    # via` then `    #   httpx`, `    # via jisso
# (pyproject.toml)` for a direct dependency.
VIA = re.compile(r"^\s+#\s+(?:via\s+)?([A-Za-z0-9][^\s,]*)")


def required_by(lock: Path) -> dict[str, set[str]]:
    """For each package of ``lock``, the packages its ``# via`` comment names (who needs it)."""
    graph: dict[str, set[str]] = {}
    current = ""
    for line in lock.read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line):
            current = normal(match[1])
            graph[current] = set()
        elif (match := VIA.match(line)) and current and match[1] not in ("via", "jisso"):
            graph[current].add(normal(match[1]))
    return graph


def closure(lock: Path, roots: set[str]) -> set[str]:
    """``roots`` and everything ``lock`` holds because one of them (transitively) needs it."""
    graph = required_by(lock)
    result = set(roots)
    changed = True
    while changed:
        changed = False
        for package, needers in graph.items():
            if package not in result and needers & result:
                result.add(package)
                changed = True
    return result


def requirement_names(requirements: list[str]) -> set[str]:
    return {normal(re.split(r"[\[<>=!~;\s]", r, maxsplit=1)[0]) for r in requirements}


@cache
def pyproject() -> dict[str, object]:
    return tomllib.loads(PYPROJECT.read_text())


def dependencies(extra: str | None = None) -> set[str]:
    project: dict[str, object] = pyproject()["project"]  # type: ignore[assignment]
    if extra is None:
        return requirement_names(project["dependencies"])  # type: ignore[arg-type]
    return requirement_names(project["optional-dependencies"][extra])  # type: ignore[index]


def lock_python(lock: Path) -> str:
    """The ``--python-version`` the lock's header says it was compiled for."""
    match = re.search(r"--python-version[ =](\d+\.\d+)", lock.read_text())
    assert match, f"{lock.name}: no --python-version in its header"
    return match[1]
