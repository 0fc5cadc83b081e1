"""Opening a continuation cycle: dates moved off closed days, the cohort taken from the registry."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from tests.review.continuation_support import (
    CHICHIBU,
    CONTINUED,
    COUNCIL_UNIVERSITY,
    FY2021_CYCLE,
    Auth,
    create_cohort,
    create_project,
    ok,
)


async def test_a_cycle_takes_the_cohort_whose_term_ends_in_the_fiscal_year(
    session: AsyncSession, registry: httpx.AsyncClient, review: httpx.AsyncClient, auth: Auth
) -> None:
    continued, ended = await create_cohort(session, registry, auth)
    # A FY2020 (R2) project ends in FY2022: not part of the FY2021 cycle.
    later = await create_project(registry, auth, CHICHIBU, selection_fiscal_year="令和2年度")

    response = await review.post(
        "/v1/continuation-cycles",
        json=FY2021_CYCLE,
        headers={**auth(Role.operator), "Idempotency-Key": "cycle-fy2021"},
    )
    cycle = ok(response, 201)

    assert cycle["fiscal_year"] == 2021
    assert cycle["fiscal_year_label"] == "令和3年度"
    assert cycle["term_end"] == "2022-03-31"
    assert cycle["deadline"] == {
        "requested": "2021-10-31T17:00:00+09:00",
        "effective": "2021-11-01T17:00:00+09:00",
        "moved": True,
    }
    assert cycle["opens"]["moved"] is False
    assert cycle["review_due"]["effective"] == "2021-11-30T17:00:00+09:00"
    assert cycle["eligible_projects"] == 8
    assert cycle["counts"] == {"eligible": 8}
    assert response.headers["ETag"]

    projects = ok(
        await review.get(
            f"/v1/continuation-cycles/{cycle['id']}/projects", headers=auth(Role.operator)
        )
    )["items"]
    by_id = {p["project_id"]: p for p in projects}
    assert set(by_id) == {p.id for p in continued + ended}
    assert later.id not in by_id
    toyama = by_id[continued[1].id]
    assert toyama["title"] == CONTINUED[1].title
    assert toyama["proposers"] == [
        {"lg_code": "162019", "name": "富山市", "prefecture": "富山県", "is_lead": True}
    ]
    assert COUNCIL_UNIVERSITY in toyama["council_organisations"]
    assert toyama["contacts"] == 1
    assert toyama["state"] == "eligible"
    assert toyama["term_end"] == "2022-03-31"


async def test_a_repeated_request_replays_and_a_second_cycle_is_refused(
    session: AsyncSession, registry: httpx.AsyncClient, review: httpx.AsyncClient, auth: Auth
) -> None:
    await create_cohort(session, registry, auth)
    headers = {**auth(Role.operator), "Idempotency-Key": "cycle-fy2021"}
    cycle = ok(
        await review.post("/v1/continuation-cycles", json=FY2021_CYCLE, headers=headers), 201
    )
    replay = await review.post(
        "/v1/continuation-cycles",
        json=FY2021_CYCLE,
        headers=headers,
    )
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == cycle["id"]

    second = await review.post(
        "/v1/continuation-cycles",
        json={**FY2021_CYCLE, "fiscal_year": "R3"},
        headers=auth(Role.operator),
    )
    assert second.status_code == 409
    assert second.json()["cycle_id"] == cycle["id"]


async def test_dates_out_of_order_are_refused_field_by_field(
    review: httpx.AsyncClient, auth: Auth
) -> None:
    body = {**FY2021_CYCLE, "review_due": "2021-10-01T17:00:00", "decision_due": "2022-04-05T17:00"}
    response = await review.post("/v1/continuation-cycles", json=body, headers=auth(Role.operator))
    assert response.status_code == 422
    problems = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert problems == {
        ("body.review_due", "date_order"),
        ("body.decision_due", "decision_after_term_end"),
    }


async def test_only_operators_open_cycles(review: httpx.AsyncClient, auth: Auth) -> None:
    response = await review.post(
        "/v1/continuation-cycles",
        json=FY2021_CYCLE,
        headers=auth(Role.municipality, lg_code="162019"),
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
