"""The public contract as a partner codes against it: what FastAPI generates, finished in one place.

FastAPI derives most of the document from the routes. What it cannot know is said here, once,
for every route of every service, so a route never repeats it:

- operation ids are the route's name in camelCase (``list_projects`` → ``listProjects``); a test
  holds them unique and free of paths and methods;
- every problem answer is ``application/problem+json`` with the ``Problem`` schema (FastAPI puts a
  response ``model`` under ``application/json``, which the server never sends for an error);
- ``If-Match`` is required wherever the route documents 428 (the server answers 428 without it);
- the headers the kernel sends are declared: ``X-Request-ID`` on every answer, ``WWW-Authenticate``
  on 401, ``Retry-After`` and the ``RateLimit`` fields on 429, ``Retry-After`` on 503,
  ``Location`` on 201, ``Idempotent-Replayed`` where ``Idempotency-Key`` is taken, ``ETag`` on the
  reads and writes of a resource changed with ``If-Match``, ``Content-Disposition`` on file
  downloads;
- links name their target by ``operationId`` (``operationRef`` would need the path's braces
  percent-encoded to be a valid URI reference, and breaks when a path moves);
- an example request and response on every operation (libs/common/contract_examples.py);
- ``servers``, contact and licence (the changelog is docs/api.md's).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel

from libs.common.contract_examples import add_examples
from libs.common.errors import PROBLEM_JSON

Document = dict[str, Any]
METHODS = ("get", "put", "post", "delete", "patch")
COMPONENT_REF = "#/components/schemas/{model}"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
DOWNLOAD_TYPES = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def operation_id(route: APIRoute) -> str:
    """``generate_unique_id_function`` of every service: the route's name in camelCase."""
    head, *rest = route.name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _header(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "schema": schema or {"type": "string"}}


HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": _header(
        "この応答の識別子。問い合わせの際に添えてください"
        "（the id of this exchange: quote it when reporting a problem; a valid one sent in the "
        "request is echoed）"
    ),
    "ETag": _header(
        "この表現の強い ETag。変更時に If-Match に送ります"
        "（strong ETag of this representation: send it as If-Match to change the resource, or "
        "as If-None-Match to read it again cheaply）"
    ),
    "Location": _header("作成したリソースの URL（the path of the created resource）"),
    "Idempotent-Replayed": _header(
        "同じ Idempotency-Key の再送に、最初の応答を返したときに `true`"
        "（`true` when this is the stored answer to an earlier request with the same key）",
        {"type": "string", "enum": ["true"]},
    ),
    "WWW-Authenticate": _header(
        'Bearer 認証のチャレンジ（RFC 6750: `Bearer` or `Bearer error="invalid_token"`）'
    ),
    "Retry-After": _header(
        "再試行までの秒数（seconds to wait before retrying）", {"type": "integer", "minimum": 0}
    ),
    "RateLimit-Policy": _header(
        'この呼び出しに適用される制限（draft-ietf-httpapi-ratelimit-headers: `"name";q=N;w=S`）'
    ),
    "RateLimit": _header(
        '残りの回数と期間（`"name";r=REMAINING;t=SECONDS`, draft-ietf-httpapi-ratelimit-headers）'
    ),
    "Content-Disposition": _header(
        "ダウンロードのファイル名（RFC 6266: an ASCII `filename` and the Japanese `filename*`）"
    ),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _operations(document: Document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _problem_content(responses: dict[str, Any]) -> None:
    # errors.problem_doc marks a problem answer with a problem+json entry; FastAPI put its model
    # under application/json beside it.
    for response in responses.values():
        if PROBLEM_JSON in response.get("content", {}):
            response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}


def _require_if_match(operation: dict[str, Any]) -> bool:
    """``If-Match`` is required where the operation answers 428 without it."""
    if "428" not in operation.get("responses", {}):
        return False
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
            parameter["required"] = True
            parameter["schema"] = dict(HEADER_VALUE)
    return True


def _takes(operation: dict[str, Any], header: str) -> bool:
    return any(
        p["in"] == "header" and p["name"].lower() == header.lower()
        for p in operation.get("parameters", [])
    )


def _declare_headers(path_has_etag: bool, operation: dict[str, Any]) -> None:
    idempotent = _takes(operation, "Idempotency-Key")
    for status, response in operation.get("responses", {}).items():
        headers = response.setdefault("headers", {})
        wanted = ["X-Request-ID"]
        if status == "401":
            wanted.append("WWW-Authenticate")
        elif status == "429":
            wanted += ["Retry-After", "RateLimit-Policy", "RateLimit"]
        elif status == "503":
            wanted.append("Retry-After")
        elif status.startswith("2"):
            if status == "201":
                wanted.append("Location")
            if path_has_etag and status in ("200", "201"):
                wanted.append("ETag")
            if idempotent:
                wanted.append("Idempotent-Replayed")
            downloads = [k for k in DOWNLOAD_TYPES if k in response.get("content", {})]
            if downloads:
                wanted.append("Content-Disposition")
            for kind in downloads:
                # A file, typed as one: a generated client hands back its bytes.
                response["content"][kind].setdefault(
                    "schema", {"type": "string", "format": "binary"}
                )
        headers.update({name: _ref(name) for name in wanted})


NOT_MODIFIED = {
    "description": "If-None-Match が現在の ETag と一致（not modified: If-None-Match names the "
    "current ETag; no body）",
    "headers": {"ETag": _ref("ETag"), "X-Request-ID": _ref("X-Request-ID")},
}
# RFC 9110 §5.5: a field value is visible ASCII and spaces (obs-text aside, which nothing of ours
# sends or takes): said in every header parameter's schema, so a generator never writes a value
# no HTTP client can send.
HEADER_VALUE = {"type": "string", "pattern": "^[ -~]*$"}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "前回の ETag。変わっていなければ 304（the ETag of your last read: 304 if it "
    "is still current）",
    "schema": HEADER_VALUE,
}


def _header_values(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "header":
            continue
        schema = parameter["schema"]
        for alternative in schema.get("anyOf", [schema]):
            if alternative.get("type") == "string":
                alternative.setdefault("pattern", HEADER_VALUE["pattern"])


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
        "headers": {"X-Request-ID": _ref("X-Request-ID")},
    }


def _negotiation(method: str, operation: dict[str, Any]) -> None:
    """What libs/common/http_semantics.py answers for every operation: 406 for an Accept it
    cannot satisfy, 415 for a body type it does not take, 304 for a current If-None-Match."""
    responses = operation["responses"]
    responses.setdefault(
        "406", _problem("Accept に応じられない（no answer in a type Accept allows）")
    )
    if "requestBody" in operation:
        responses.setdefault(
            "415", _problem("この Content-Type は受け付けない（body type not taken）")
        )
    if method == "get" and "ETag" in responses.get("200", {}).get("headers", {}):
        responses["304"] = NOT_MODIFIED
        operation.setdefault("parameters", []).append(IF_NONE_MATCH)


def _links_by_operation_id(document: Document) -> None:
    ids = {
        f"#/paths/{path.replace('~', '~0').replace('/', '~1')}/{method}": operation["operationId"]
        for path, method, operation in _operations(document)
    }
    for _, _, operation in _operations(document):
        for response in operation.get("responses", {}).values():
            for link in response.get("links", {}).values():
                if "operationRef" in link:
                    link["operationId"] = ids[link.pop("operationRef")]


# pydantic names a generic model's schema after its origin and arguments (Page[ProjectOut] is
# `Page_ProjectOut_`) whatever the class is called: the contract calls it `ProjectPage`. FastAPI
# names the form a route reads field by field `Body_<operationId>`: the contract, `<Op>Body`.
_GENERATED_NAMES = (
    (re.compile(r"^Page_(?P<name>[A-Za-z0-9]+?)(?:Out)?_$"), "{name}Page"),
    (re.compile(r"^Body_(?P<name>[A-Za-z0-9]+)$"), "{name}Body"),
)


def _contract_name(generated: str) -> str | None:
    for pattern, template in _GENERATED_NAMES:
        if match := pattern.match(generated):
            name = match["name"]
            return template.format(name=name[:1].upper() + name[1:])
    return None


def _objects(node: Any) -> list[dict[str, Any]]:
    """Every JSON object within ``node``, itself included (a list: callers may change them)."""
    found: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            found.append(current)
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return found


def _rename_schemas(document: Document) -> None:
    schemas = document.get("components", {}).get("schemas", {})
    renamed = {old: new for old in schemas if (new := _contract_name(old))}
    for old, new in renamed.items():
        schemas[new] = schemas.pop(old)
        schemas[new]["title"] = new
    prefix = "#/components/schemas/"
    for node in _objects(document):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.removeprefix(prefix) in renamed:
            node["$ref"] = prefix + renamed[ref.removeprefix(prefix)]
    document["components"]["schemas"] = dict(sorted(schemas.items()))


def _drop_null_defaults(document: Document) -> None:
    """``"default": null`` on a property that does not accept null (an Omittable field left
    out): the default is "absent", which the schema cannot write."""
    for schema in document.get("components", {}).get("schemas", {}).values():
        for prop in schema.get("properties", {}).values():
            nullable = prop.get("type") == "null" or any(
                a.get("type") == "null" for a in prop.get("anyOf", [])
            )
            if "default" in prop and prop["default"] is None and not nullable:
                del prop["default"]


def component_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A ``$ref`` to ``model`` as a component, for a schema a route writes itself: ``finish``
    hoists the model and what it references into ``components/schemas``."""
    schema = model.model_json_schema(ref_template=COMPONENT_REF)
    definitions = schema.pop("$defs", {})
    return {
        "$ref": COMPONENT_REF.format(model=model.__name__),
        "$defs": {**definitions, model.__name__: schema},
    }


def _hoist_definitions(document: Document) -> None:
    """A schema a route wrote itself (``openapi_extra`` with ``component_schema``) carries its
    models in ``$defs``: they become components like the rest."""
    schemas = document["components"]["schemas"]
    for node in _objects(document["paths"]):
        for name, schema in node.pop("$defs", {}).items():
            schemas.setdefault(name, schema)


_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


def _integer_bounds(document: Document) -> None:
    """FastAPI writes an integer's bounds as floats (``"maximum": 2100.0``), which a generator
    types as a float: a whole bound is written as the integer it is."""
    for node in _objects(document):
        for key in _BOUNDS:
            value = node.get(key)
            if isinstance(value, float) and value.is_integer():
                node[key] = int(value)


def finish(document: Document, *, servers: list[dict[str, Any]]) -> Document:
    """The generated ``document`` finished as described in the module docstring."""
    _integer_bounds(document)
    _hoist_definitions(document)
    _rename_schemas(document)
    guarded_paths = set()
    for path, _, operation in _operations(document):
        _problem_content(operation.get("responses", {}))
        if _require_if_match(operation):
            guarded_paths.add(path)
    for path, method, operation in _operations(document):
        _declare_headers(path in guarded_paths, operation)
        _negotiation(method, operation)
        _header_values(operation)
    _links_by_operation_id(document)
    _drop_null_defaults(document)
    add_examples(document)
    document.setdefault("components", {})["headers"] = HEADERS
    document["servers"] = servers
    # No address is invented: the partner guide, docs/api.md, names who answers for the API.
    document["info"]["contact"] = {"name": "未来技術社会実装事業 事務局（the programme office）"}
    # The contract is documentation the office publishes for anyone to build on.
    document["info"]["license"] = {"name": "CC BY 4.0", "identifier": "CC-BY-4.0"}
    return document


def install(app: Any, *, servers: list[dict[str, Any]]) -> None:
    """Make ``app.openapi()`` return the finished document (built once, as FastAPI does)."""
    generate: Callable[[], Document] = app.openapi

    def openapi() -> Document:
        if app.openapi_schema is None:
            app.openapi_schema = finish(generate(), servers=servers)
        return app.openapi_schema

    app.openapi = openapi
