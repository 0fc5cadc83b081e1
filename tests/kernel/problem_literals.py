"""What the code puts in its problems, read from its source (libs/ and services/, not migrations):
the problem classes, the rule codes and the extension members, for the catalogue's tests.

A rule code is found where it is written as a literal on its way to a problem:

- a ``rule=`` keyword of any call (``FieldProblem(rule=…)``, ``RuleViolation(rule=…)``);
- the ``rule`` parameter of any function or class that declares one, passed by position
  (``InvalidInput.field(field, "rule", …)``, ``LocalGovernmentCodeError(code, "format", …)``,
  a file row's ``problem(column, "rule", …)``), and its default (``rule="unknown_programme"``);
- the first argument of ``PydanticCustomError``, and the ``type`` of an error dict written in
  pydantic's shape (``{"type": …, "loc": …}``).

A module-level constant (``RULE = "…"``) and both branches of a conditional expression are
followed. A code that reaches a problem any other way (``ValueError("unknown", …)`` re-raised as
a row's problem, ``exc.rule`` carried from an error class) is found where that class is built.

An extension member is a keyword passed to a ``DomainError`` subclass (or ``InvalidInput.field``),
the keys of a dict spread into one (``**extra``, built in the same function), and the keywords a
function forwards to one through its own ``**extensions``.
"""

from __future__ import annotations

import ast
import functools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from services.catalogue import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]
PROBLEM_BASE = "DomainError"
# The keywords of a problem's own fields, not extension members.
_STANDARD = frozenset({"detail", "errors", "headers"})
# InvalidInput.field(field, rule, message, **extensions): its own parameters.
_FIELD_PARAMETERS = frozenset({"field", "rule", "message"})


@dataclass(frozen=True)
class Use:
    """Where a rule code or a member is written, and the problem type it goes in, when known.
    ``default``: a parameter's default, which a caller may replace (it is sent only where
    none is given)."""

    path: str
    line: int
    slug: str | None
    default: bool = False

    @property
    def service(self) -> str | None:
        parts = Path(self.path).parts
        return parts[1] if parts[0] == "services" and parts[1] in SERVICE_NAMES else None


@functools.cache
def _trees() -> dict[str, ast.Module]:
    paths = [*sorted((ROOT / "libs").rglob("*.py")), *sorted((ROOT / "services").rglob("*.py"))]
    return {
        str(path.relative_to(ROOT)): ast.parse(path.read_text("utf-8"))
        for path in paths
        if "migrations" not in path.parts
    }


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    return (node for node in ast.walk(tree) if isinstance(node, ast.Call))


@functools.cache
def problem_classes() -> dict[str, tuple[int, str, str]]:
    """Every ``DomainError`` subclass by name: its (status, slug, title), inherited or its own."""
    bodies: dict[str, tuple[str, dict[str, object]]] = {}
    for tree in _trees().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.bases:
                base = _name(node.bases[0]) or ""
                bodies[node.name] = (base, _class_constants(node))
    found: dict[str, tuple[int, str, str]] = {}

    def resolve(name: str) -> tuple[int, str, str] | None:
        if name == PROBLEM_BASE or name not in bodies:
            return None
        base, own = bodies[name]
        inherited = found.get(base) or resolve(base)
        if inherited is None and base != PROBLEM_BASE:
            return None
        status, slug, title = inherited or (0, "", "")
        found[name] = (
            int(own.get("status", status)),  # type: ignore[call-overload]
            str(own.get("slug", slug)),
            str(own.get("title", title)),
        )
        return found[name]

    for name in bodies:
        resolve(name)
    return found


def _class_constants(node: ast.ClassDef) -> dict[str, object]:
    """``status, slug, title = 409, "conflict", "…"`` (or one per line) in a class body."""
    constants: dict[str, object] = {}
    for statement in node.body:
        if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
            continue
        target, value = statement.targets[0], statement.value
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            pairs = list(zip(target.elts, value.elts, strict=False))
        else:
            pairs = [(target, value)]
        for name, literal in pairs:
            if isinstance(name, ast.Name) and isinstance(literal, ast.Constant):
                constants[name.id] = literal.value
    return constants


def _slug_of_call(call: ast.Call) -> str | None:
    """The problem type a call builds: ``Conflict(…)`` or ``InvalidInput.field(…)``."""
    classes = problem_classes()
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "field":
        owner = _name(func.value)
        return classes[owner][1] if owner in classes else None
    name = _name(func)
    return classes[name][1] if name in classes else None


@functools.cache
def _rule_parameters() -> dict[str, set[int]]:
    """Functions and classes with a ``rule`` parameter, by name: its position (after self)."""
    positions: dict[str, set[int]] = defaultdict(set)
    for tree in _trees().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
                names = names[1:] if names[:1] in (["self"], ["cls"]) else names
                if "rule" in names and node.name != "__init__":
                    positions[node.name].add(names.index("rule"))
            elif isinstance(node, ast.ClassDef):
                index = _constructor_rule_position(node)
                if index is not None:
                    positions[node.name].add(index)
    return positions


def _constructor_rule_position(node: ast.ClassDef) -> int | None:
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef) and statement.name == "__init__":
            names = [a.arg for a in statement.args.args][1:]
            return names.index("rule") if "rule" in names else None
    fields = [
        s.target.id
        for s in node.body
        if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
    ]  # a dataclass: its fields in order
    return fields.index("rule") if "rule" in fields else None


def _constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: statement.value.value
        for statement in tree.body
        if isinstance(statement, ast.Assign)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
        for target in statement.targets
        if isinstance(target, ast.Name)
    }


def _literals(node: ast.expr, constants: dict[str, str]) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.Name) and node.id in constants:
        yield constants[node.id]
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body, constants)
        yield from _literals(node.orelse, constants)


def _module_name(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


@functools.cache
def _forwarders() -> dict[str, tuple[frozenset[str], str]]:
    """Functions passing their own ``**extensions`` on to a problem class (the continuation's
    ``add(…, conflict=…, **extensions)``), by dotted name: (their named parameters, the slug)."""
    found: dict[str, tuple[frozenset[str], str]] = {}
    for path, tree in _trees().items():
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or not node.args.kwarg:
                continue
            spread = node.args.kwarg.arg
            for call in _calls(node):
                slug = _slug_of_call(call)
                if slug and any(_spreads(keyword, spread) for keyword in call.keywords):
                    arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
                    named = frozenset(a.arg for a in arguments)
                    found[f"{_module_name(path)}.{node.name}"] = (named, slug)
    return found


@functools.cache
def _bindings(path: str) -> dict[str, str]:
    """What each imported name of a module is, dotted; its own top-level functions too."""
    tree = _trees()[path]
    module = _module_name(path)
    bound = {
        node.name: f"{module}.{node.name}"
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            bound.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
        elif isinstance(node, ast.Import):
            bound.update({a.asname or a.name: a.name for a in node.names})
    return bound


def _forwarder_of(call: ast.Call, path: str) -> tuple[frozenset[str], str] | None:
    func, bound = call.func, _bindings(path)
    if isinstance(func, ast.Name):
        return _forwarders().get(bound.get(func.id, ""))
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return _forwarders().get(f"{bound.get(func.value.id, '')}.{func.attr}")
    return None


def _spreads(keyword: ast.keyword, name: str) -> bool:
    return keyword.arg is None and isinstance(keyword.value, ast.Name) and keyword.value.id == name


def _rule_expressions(node: ast.AST, path: str) -> Iterator[tuple[ast.expr, str | None, bool]]:
    """The expressions that name a rule code in ``node``, each with its problem's slug if known,
    and whether it is a parameter's default."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        arguments = node.args
        positional = [*arguments.posonlyargs, *arguments.args]
        pairs = [
            *zip(
                positional[len(positional) - len(arguments.defaults) :],
                arguments.defaults,
                strict=False,
            ),
            *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=False),
        ]
        yield from ((d, None, True) for arg, d in pairs if arg.arg == "rule" and d is not None)
    elif isinstance(node, ast.Dict):
        keys = {
            k.value: v
            for k, v in zip(node.keys, node.values, strict=False)
            if isinstance(k, ast.Constant)
        }
        if "type" in keys and "loc" in keys:  # an error written in pydantic's shape
            yield keys["type"], "validation", False
    elif isinstance(node, ast.Call):
        name = _name(node.func)
        forwarder = _forwarder_of(node, path)
        slug = _slug_of_call(node) or (forwarder[1] if forwarder else None)
        yield from ((k.value, slug, False) for k in node.keywords if k.arg == "rule")
        if name == "PydanticCustomError" and node.args:
            yield node.args[0], "validation", False
        for index in _rule_parameters().get(name or "", ()):
            if index < len(node.args):
                yield node.args[index], slug, False


@functools.cache
def rule_codes() -> dict[str, tuple[Use, ...]]:
    """Every rule code written as a literal (or a constant) on its way to a problem."""
    found: dict[str, list[Use]] = defaultdict(list)
    for path, tree in _trees().items():
        constants = _constants(tree)
        for node in ast.walk(tree):
            for expression, slug, default in _rule_expressions(node, path):
                for code in _literals(expression, constants):
                    found[code].append(Use(path, getattr(node, "lineno", 0), slug, default))
    return {code: tuple(uses) for code, uses in sorted(found.items())}


def _scoped_calls(node: ast.AST, scope: ast.AST) -> Iterator[tuple[ast.Call, ast.AST]]:
    """Every call with the function (or module) it is written in."""
    for child in ast.iter_child_nodes(node):
        inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else scope
        if isinstance(child, ast.Call):
            yield child, scope
        yield from _scoped_calls(child, inner)


def _dict_keys(scope: ast.AST, name: str) -> set[str] | None:
    """The keys a dict named ``name`` is given in ``scope``: literals assigned to it (either
    branch of a conditional) and ``name["key"] = …``; None when nothing builds it there."""
    keys: set[str] | None = None
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id == name and node.value is not None:
                    keys = (keys or set()) | _literal_keys(node.value)
                elif (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == name
                ):
                    keys = (keys or set()) | set(_literals(target.slice, {}))
    return keys


def _literal_keys(value: ast.expr) -> set[str]:
    if isinstance(value, ast.Dict):
        return {k.value for k in value.keys if isinstance(k, ast.Constant)}
    if isinstance(value, ast.IfExp):
        return _literal_keys(value.body) | _literal_keys(value.orelse)
    return set()


@dataclass
class _Members:
    found: dict[str, list[Use]]
    unresolved: list[str]

    def add(self, name: str, use: Use) -> None:
        self.found.setdefault(name, []).append(use)


def _members_of_call(call: ast.Call, scope: ast.AST, path: str, members: _Members) -> None:
    slug = _slug_of_call(call)
    forwarder = _forwarder_of(call, path)
    function = isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef)
    own = scope.args.kwarg.arg if function and scope.args.kwarg else ""  # type: ignore[attr-defined]
    if slug is None and forwarder is None:
        return
    field_call = isinstance(call.func, ast.Attribute) and call.func.attr == "field"
    for keyword in call.keywords:
        use = Use(path, call.lineno, slug or (forwarder[1] if forwarder else None))
        if keyword.arg is None:
            if _spreads(keyword, own):
                continue  # a forwarder's own: its callers' keywords are counted instead
            name = _name(keyword.value) or ""
            keys = _dict_keys(scope, name)
            if keys is None:
                members.unresolved.append(f"{path}:{call.lineno} **{name}")
            for key in keys or ():
                members.add(key, use)
        elif forwarder is not None and slug is None:
            if keyword.arg not in forwarder[0]:
                members.add(keyword.arg, use)
        elif keyword.arg not in _STANDARD and not (field_call and keyword.arg in _FIELD_PARAMETERS):
            members.add(keyword.arg, use)


@functools.cache
def _extension_scan() -> _Members:
    members = _Members({}, [])
    for path, tree in _trees().items():
        for call, scope in _scoped_calls(tree, tree):
            _members_of_call(call, scope, path, members)
    return members


def extension_members() -> dict[str, tuple[Use, ...]]:
    """Every extension member a problem is given, by name."""
    return {name: tuple(uses) for name, uses in sorted(_extension_scan().found.items())}


def unresolved_spreads() -> list[str]:
    """``**name`` spread into a problem where this module cannot tell the keys."""
    return list(_extension_scan().unresolved)
