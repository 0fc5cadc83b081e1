"""The committed OpenAPI documents (for partner systems) match the apps; regenerate with
`make openapi`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.catalogue import SERVICE_NAMES
from services.runtime import openapi_document

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "openapi"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_committed_document_matches_the_app(service: str) -> None:
    committed = (OPENAPI_DIR / f"{service}.json").read_text(encoding="utf-8")
    assert committed == openapi_document(service), (  # type: ignore[arg-type]
        f"openapi/{service}.json drifted from the app: run `make openapi` and commit it"
    )


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_operation_has_a_summary_and_tag(service: str) -> None:
    document = json.loads(openapi_document(service))  # type: ignore[arg-type]
    assert document["openapi"].startswith("3.1")
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            assert operation.get("tags"), f"{method.upper()} {path} has no tag"
