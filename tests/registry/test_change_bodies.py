"""Change bodies (PATCH) as the contract states them: a field every record must have may be left
out but not set to null, so the committed contract offers no null for it and the registry refuses
one with the field and rule ``not_null`` (all of them in one 422) before anything is read; a field
null clears keeps its null. And the bounds the contract states are the ones the registry holds."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.common.japanese_input import FISCAL_YEAR_TEXT_MAX

DOCUMENT = Path(__file__).resolve().parents[2] / "openapi" / "registry.json"
SOME_ID = uuid.UUID("4f0c2a52-9a57-4c3e-8c39-0b6c4b7f7a10")

# path, body schema, the fields null is refused for, the fields null clears
CHANGES: list[tuple[str, str, list[str], list[str]]] = [
    (
        f"/v1/projects/{SOME_ID}",
        "ProjectUpdate",
        [
            "programme",
            "title",
            "proposers",
            "technologies",
            "tags",
            "selection_fiscal_year",
            "future_vision",
            "regional_issues",
            "summary",
            "initiatives",
            "status",
        ],
        [],
    ),
    (
        f"/v1/contacts/{SOME_ID}",
        "ContactUpdate",
        ["name", "email", "organisation", "stakeholder_category"],
        ["phone", "lg_code"],
    ),
    (f"/v1/councils/{SOME_ID}", "CouncilUpdate", ["name"], []),
    (
        f"/v1/councils/{SOME_ID}/members/{SOME_ID}",
        "MemberUpdate",
        ["organisation", "category", "role", "position"],
        ["lg_code"],
    ),
    (
        "/v1/local-governments/112071",
        "LocalGovernmentUpdate",
        ["name", "kana", "is_core_city", "is_central_core_city"],
        ["designations_as_of", "designations_source"],
    ),
    (
        "/v1/programmes/mirai-gijutsu",
        "ProgrammeUpdate",
        [
            "ministry",
            "bureau",
            "name",
            "summary",
            "support_target",
            "contact",
            "selection_count_note",
            "fiscal_years",
        ],
        [],
    ),
    (
        f"/v1/published-figures/{SOME_ID}",
        "PublishedFigureUpdate",
        [
            "topic",
            "label",
            "label_en",
            "value",
            "unit",
            "as_of",
            "as_of_note",
            "source",
            "source_section",
            "source_text",
        ],
        ["fiscal_year", "cohort_fiscal_year", "derivation"],
    ),
    (
        f"/v1/symposia/{SOME_ID}",
        "SymposiumUpdate",
        ["theme", "starts_at", "ends_at", "audience", "tentative"],
        ["format", "join_url", "venue"],
    ),
]


def _accepts_null(schema: dict[str, Any]) -> bool:
    alternatives = schema.get("anyOf", [schema])
    return any(a.get("type") == "null" for a in alternatives)


@pytest.mark.parametrize(("path", "schema", "refused", "cleared"), CHANGES)
def test_the_contract_offers_null_only_where_a_change_clears_with_it(
    path: str, schema: str, refused: list[str], cleared: list[str]
) -> None:
    schemas = json.loads(DOCUMENT.read_text(encoding="utf-8"))["components"]["schemas"]
    properties = schemas[schema]["properties"]
    assert [name for name in refused if _accepts_null(properties[name])] == []
    assert [name for name in cleared if not _accepts_null(properties[name])] == []


@pytest.mark.parametrize(("path", "schema", "refused", "cleared"), CHANGES)
async def test_a_null_for_a_field_every_record_has_is_refused_with_field_and_rule(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    path: str,
    schema: str,
    refused: list[str],
    cleared: list[str],
) -> None:
    response = await registry.patch(
        path, json=dict.fromkeys(refused), headers={**operator, "If-Match": "*"}
    )
    assert response.status_code == 422, response.text
    problems = [(e["field"], e["rule"]) for e in response.json()["errors"]]
    assert sorted(problems) == sorted((f"body.{name}", "not_null") for name in refused)


async def test_a_fiscal_year_past_its_stated_length_is_a_fiscal_year_error(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    too_long = "令和" + "3" * FISCAL_YEAR_TEXT_MAX
    response = await registry.post(
        "/v1/symposia",
        json={
            "fiscal_year": too_long,
            "number": 1,
            "theme": "物流・農業",
            "starts_at": "2021-10-01T13:30:00+09:00",
            "ends_at": "2021-10-01T15:00:00+09:00",
            "audience": ["local_government"],
        },
        headers=operator,
    )
    assert response.status_code == 422
    problems = [(e["field"], e["rule"]) for e in response.json()["errors"]]
    assert problems == [("body.fiscal_year", "fiscal_year")]
