"""The contract a partner generates clients from (issue 18): names, enums, typed errors, required
headers, links and the document's own metadata, over the committed documents of all three
services (test_openapi_documents holds them equal to the apps)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.catalogue import SERVICE_NAMES

pytestmark = pytest.mark.unit

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "openapi"
METHODS = ("get", "put", "post", "delete", "patch")
PROBLEM_REF = "#/components/schemas/Problem"


def _document(service: str) -> dict[str, Any]:
    return json.loads((OPENAPI_DIR / f"{service}.json").read_text(encoding="utf-8"))


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def _header_parameter(operation: dict[str, Any], name: str) -> dict[str, Any] | None:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "header" and parameter["name"].lower() == name.lower():
            return parameter
    return None


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_operation_ids_are_unique_camel_case_names_without_path_or_method(service: str) -> None:
    ids = [operation["operationId"] for _, operation in _operations(_document(service))]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for operation_id in ids:
        assert re.fullmatch(r"[a-z][a-zA-Z0-9]*", operation_id), operation_id
        assert not re.search(r"V1|Get$|Post$|Put$|Patch$|Delete$", operation_id), operation_id


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_tag_is_declared_with_a_description(service: str) -> None:
    document = _document(service)
    declared = {tag["name"]: tag.get("description") for tag in document.get("tags", [])}
    used = {tag for _, operation in _operations(document) for tag in operation["tags"]}
    assert used <= set(declared), used - set(declared)
    assert all(declared.values()), declared


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_schema_names_are_unique_names_a_person_would_write(service: str) -> None:
    schemas = _document(service)["components"]["schemas"]
    for name, schema in schemas.items():
        # Not `Page_ProjectOut_`, `Body_…`, `AssessmentIn-Output` or a module path.
        assert re.fullmatch(r"[A-Z][a-zA-Z0-9]*", name), name
        assert schema.get("title", name) == name, (name, schema.get("title"))


def _inline_enums(node: Any, where: str) -> Iterator[str]:
    if isinstance(node, dict):
        if len(node.get("enum", ())) > 1:
            yield where
        for key, value in node.items():
            yield from _inline_enums(value, f"{where}/{key}")
    elif isinstance(node, list):
        for value in node:
            yield from _inline_enums(value, where)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_vocabulary_is_one_component_referenced_everywhere(service: str) -> None:
    document = _document(service)
    inline = [
        where
        for name, schema in document["components"]["schemas"].items()
        for key, value in schema.items()
        if key != "enum"  # the component itself
        for where in _inline_enums(value, f"{name}/{key}")
    ]
    inline += [
        where
        for label, operation in _operations(document)
        for parameter in operation.get("parameters", [])
        for where in _inline_enums(parameter, f"{label} {parameter['name']}")
    ]
    assert inline == []


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_json_error_is_a_typed_problem(service: str) -> None:
    for label, operation in _operations(_document(service)):
        for status, response in operation["responses"].items():
            content = response.get("content", {})
            if status[0] not in "45" or "text/html" in content:
                continue  # the pages opened from a letter answer their errors as pages
            if label == "GET /readyz" and status == "503":
                assert content["application/json"]["schema"]["$ref"].endswith("/Readiness")
                continue
            assert list(content) == ["application/problem+json"], (label, status)
            assert content["application/problem+json"]["schema"] == {"$ref": PROBLEM_REF}


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_if_match_is_required_where_the_server_answers_428_without_it(service: str) -> None:
    for label, operation in _operations(_document(service)):
        if_match = _header_parameter(operation, "If-Match")
        if "428" in operation["responses"]:
            assert if_match is not None and if_match["required"] is True, label
        if if_match is not None:
            assert "412" in operation["responses"], label


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_the_headers_the_kernel_sends_are_declared(service: str) -> None:
    document = _document(service)
    assert set(document["components"]["headers"]) >= {
        "ETag",
        "Location",
        "Idempotent-Replayed",
        "X-Request-ID",
        "WWW-Authenticate",
        "RateLimit",
        "Retry-After",
        "Content-Disposition",
    }
    for label, operation in _operations(document):
        for status, response in operation["responses"].items():
            headers = response.get("headers", {})
            assert "X-Request-ID" in headers, (label, status)
            if status == "201":
                assert "Location" in headers, label
            if status == "401":
                assert "WWW-Authenticate" in headers, label
            if status == "429":
                assert {"Retry-After", "RateLimit"} <= set(headers), label
            if status == "503":
                assert "Retry-After" in headers, label
        if _header_parameter(operation, "Idempotency-Key") is not None:
            success = [r for s, r in operation["responses"].items() if s.startswith("2")]
            assert all("Idempotent-Replayed" in r["headers"] for r in success), label


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_links_name_an_operation_that_exists(service: str) -> None:
    document = _document(service)
    ids = {operation["operationId"] for _, operation in _operations(document)}
    links = [
        link
        for _, operation in _operations(document)
        for response in operation["responses"].values()
        for link in response.get("links", {}).values()
    ]
    for link in links:
        assert "operationRef" not in link
        assert link["operationId"] in ids


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_the_document_says_where_it_runs_and_under_what_terms(service: str) -> None:
    document = _document(service)
    assert document["servers"][0]["url"].startswith("http://127.0.0.1:")
    assert document["info"]["contact"]["name"]
    assert document["info"]["license"]["identifier"]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_operation_has_a_request_and_response_example_valid_against_its_schema(
    service: str,
) -> None:
    import jsonschema_rs

    document = _document(service)
    invalid = []
    for label, operation in _operations(document):
        contents = [("request", operation.get("requestBody", {}).get("content", {}))]
        contents += [
            (status, response.get("content", {}))
            for status, response in operation["responses"].items()
            if status.startswith("2")
        ]
        for where, content in contents:
            media = content.get("application/json")
            if media is None:
                continue
            example = next(iter(media["examples"].values()))["value"]
            # The schema's `#/components/...` references resolve against this root.
            schema = {**media["schema"], "components": document["components"]}
            validator = jsonschema_rs.Draft202012Validator(schema)
            invalid += [
                f"{label} {where}: {e.message[:100]}" for e in validator.iter_errors(example)
            ]
    assert invalid == []


JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{3,}")


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_field_and_parameter_is_described_in_japanese_and_english(service: str) -> None:
    document = _document(service)
    undescribed = [
        f"{name}.{field}"
        for name, schema in document["components"]["schemas"].items()
        for field, prop in schema.get("properties", {}).items()
        if not (JAPANESE.search(d := prop.get("description", "")) and ENGLISH.search(d))
    ]
    undescribed += [
        f"{label} {parameter['name']}"
        for label, operation in _operations(document)
        for parameter in operation.get("parameters", [])
        if not (JAPANESE.search(d := parameter.get("description", "")) and ENGLISH.search(d))
    ]
    assert undescribed == []


def _request_schemas(document: dict[str, Any]) -> set[str]:
    schemas = document["components"]["schemas"]
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] not in found:
                found.add(ref.rsplit("/", 1)[1])
                walk(schemas[ref.rsplit("/", 1)[1]])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for _, operation in _operations(document):
        walk(operation.get("requestBody", {}))
    return found


def _unbounded(schema: dict[str, Any]) -> list[str]:
    problems = []
    for alternative in schema.get("anyOf", [schema]):
        kind = alternative.get("type")
        if kind == "string" and not {"maxLength", "enum", "const", "format", "pattern"} & set(
            alternative
        ):
            problems.append("a string without a bound")
        if kind == "integer" and not (
            {"minimum", "exclusiveMinimum"} & set(alternative)
            and {"maximum", "exclusiveMaximum"} & set(alternative)
        ):
            problems.append("an integer without both bounds")
        if kind == "array":
            if "maxItems" not in alternative:
                problems.append("an array without maxItems")
            problems += _unbounded(alternative.get("items", {}))
    return problems


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_request_field_states_the_bound_the_server_enforces(service: str) -> None:
    document = _document(service)
    schemas = document["components"]["schemas"]
    unbounded = [
        f"{name}.{field}: {problem}"
        for name in sorted(_request_schemas(document))
        for field, prop in schemas[name].get("properties", {}).items()
        for problem in _unbounded(prop)
    ]
    assert unbounded == []
