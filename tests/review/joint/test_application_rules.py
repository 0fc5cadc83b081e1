"""Every grant-scheme rule refuses its violation with a problem+json naming the rule and the
numbers, and accepts the boundary value. The values are the registry's, read over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from tests.review.joint.conftest import (
    ASAHIKAWA,
    HOKKAIDO,
    MURORAN,
    OBIHIRO,
    SAPPORO,
    application_body,
)

SOCIETY5_CONDITIONS = [True, True, True, True]
KIND_OF = {HOKKAIDO: "prefecture", ASAHIKAWA: "municipality", SAPPORO: "central_core_city"}


def _problem(response: httpx.Response, rule: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["rule"] == rule, body
    return body


@pytest.mark.parametrize(
    ("scheme", "lead", "cap_yen"),
    [
        ("suishin-senku", HOKKAIDO, 300_000_000),
        ("suishin-senku", ASAHIKAWA, 200_000_000),
        ("suishin-senku", SAPPORO, 250_000_000),
        ("suishin-yokotenkai", HOKKAIDO, 100_000_000),
        ("suishin-yokotenkai", ASAHIKAWA, 70_000_000),
        ("suishin-yokotenkai", SAPPORO, 85_000_000),
        ("suishin-society5", HOKKAIDO, 300_000_000),
        ("suishin-society5", ASAHIKAWA, 300_000_000),
        ("suishin-society5", SAPPORO, 300_000_000),
    ],
)
async def test_yearly_cap_by_scheme_and_applicant_kind(
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
    scheme: str,
    lead: str,
    cap_yen: int,
) -> None:
    round_id = (await open_round())["id"]
    extra: dict[str, Any] = (
        {"conditions": SOCIETY5_CONDITIONS} if scheme == "suishin-society5" else {}
    )
    over = application_body(lead, scheme=scheme, amounts=[cap_yen, cap_yen + 1], **extra)
    problem = _problem(await apply(round_id, over), "yearly_cap")
    assert {k: problem[k] for k in ("scheme", "applicant_kind", "cap_yen", "requested_yen")} == {
        "scheme": scheme,
        "applicant_kind": KIND_OF[lead],
        "cap_yen": cap_yen,
        "requested_yen": cap_yen + 1,
    }
    assert problem["fiscal_year"] == 2023
    exact = await apply(round_id, application_body(lead, scheme=scheme, amounts=[cap_yen], **extra))
    assert exact.status_code == 201, exact.text
    assert exact.json()["applicant_kind"] == KIND_OF[lead]
    assert exact.json()["funding"] == [
        {"fiscal_year": 2022, "fiscal_year_label": "令和4年度", "amount_yen": cap_yen}
    ]


@pytest.mark.parametrize(
    ("scheme", "max_years"),
    [("suishin-senku", 5), ("suishin-yokotenkai", 3), ("suishin-society5", 5)],
)
async def test_maximum_years(
    open_round: Callable[..., Any], apply: Callable[..., Any], scheme: str, max_years: int
) -> None:
    round_id = (await open_round())["id"]
    extra: dict[str, Any] = (
        {"conditions": SOCIETY5_CONDITIONS} if scheme == "suishin-society5" else {}
    )
    too_long = application_body(scheme=scheme, amounts=[10_000_000] * (max_years + 1), **extra)
    problem = _problem(await apply(round_id, too_long), "max_years")
    assert (problem["scheme"], problem["max_years"], problem["requested_years"]) == (
        scheme,
        max_years,
        max_years + 1,
    )
    exact = application_body(scheme=scheme, amounts=[10_000_000] * max_years, **extra)
    response = await apply(round_id, exact)
    assert response.status_code == 201, response.text
    assert response.json()["duration_years"] == max_years


async def test_prefecture_quota_nine_new_applications_across_the_quota_group(
    open_round: Callable[..., Any], apply: Callable[..., Any]
) -> None:
    """先駆 and 横展開 share one quota; the 9th is accepted, the 10th refused with the numbers."""
    round_id = (await open_round())["id"]
    for n in range(9):
        scheme = "suishin-senku" if n % 2 else "suishin-yokotenkai"
        body = application_body(HOKKAIDO, scheme=scheme, title=f"事業{n + 1}")
        response = await apply(round_id, body)
        assert response.status_code == 201, f"application {n + 1}: {response.text}"
    problem = _problem(await apply(round_id, application_body(HOKKAIDO)), "new_application_quota")
    assert {
        k: problem[k]
        for k in ("quota", "existing", "applicant_kind", "quota_group", "lg_code", "fiscal_year")
    } == {
        "quota": 9,
        "existing": 9,
        "applicant_kind": "prefecture",
        "quota_group": "suishin",
        "lg_code": HOKKAIDO,
        "fiscal_year": 2022,
    }
    # Society5.0 is outside the quota: still accepted after the quota is full.
    society5 = application_body(HOKKAIDO, scheme="suishin-society5", conditions=SOCIETY5_CONDITIONS)
    accepted = await apply(round_id, society5)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["quota_group"] is None


async def test_municipality_and_central_core_city_quotas(
    open_round: Callable[..., Any], apply: Callable[..., Any]
) -> None:
    round_id = (await open_round())["id"]
    for lead, quota in ((ASAHIKAWA, 5), (SAPPORO, 7)):
        for n in range(quota):
            response = await apply(round_id, application_body(lead, title=f"{lead}-{n}"))
            assert response.status_code == 201, response.text
        problem = _problem(await apply(round_id, application_body(lead)), "new_application_quota")
        assert (problem["quota"], problem["existing"]) == (quota, quota)


async def test_society5_applications_never_count_against_the_quota(
    open_round: Callable[..., Any], apply: Callable[..., Any]
) -> None:
    round_id = (await open_round())["id"]
    for n in range(6):
        body = application_body(
            ASAHIKAWA, scheme="suishin-society5", conditions=SOCIETY5_CONDITIONS, title=f"S{n}"
        )
        assert (await apply(round_id, body)).status_code == 201
    for n in range(5):  # the municipality's whole quota is still free
        response = await apply(round_id, application_body(ASAHIKAWA, title=f"N{n}"))
        assert response.status_code == 201, response.text


async def test_wide_area_sub_quota(
    open_round: Callable[..., Any], apply: Callable[..., Any]
) -> None:
    """A prefecture may file 3 wide-area (広域連携) applications: the 3rd accepted, the 4th
    refused."""
    round_id = (await open_round())["id"]
    members = [HOKKAIDO, ASAHIKAWA, MURORAN, OBIHIRO]
    for n in range(3):
        body = application_body(HOKKAIDO, members=members, wide_area=True, title=f"広域{n}")
        response = await apply(round_id, body)
        assert response.status_code == 201, response.text
        assert response.json()["wide_area"] is True
    fourth = application_body(HOKKAIDO, members=members, wide_area=True)
    problem = _problem(await apply(round_id, fourth), "wide_area_quota")
    assert (problem["quota"], problem["existing"], problem["applicant_kind"]) == (
        3,
        3,
        "prefecture",
    )
    # A non-wide-area application still fits the overall quota (3 of 9 used).
    assert (await apply(round_id, application_body(HOKKAIDO))).status_code == 201


async def test_municipality_wide_area_quota_is_one(
    open_round: Callable[..., Any], apply: Callable[..., Any]
) -> None:
    round_id = (await open_round())["id"]
    body = application_body(ASAHIKAWA, members=[ASAHIKAWA, MURORAN], wide_area=True)
    assert (await apply(round_id, body)).status_code == 201
    problem = _problem(await apply(round_id, body), "wide_area_quota")
    assert (problem["quota"], problem["existing"]) == (1, 1)


async def test_society5_needs_all_four_conditions(
    open_round: Callable[..., Any], apply: Callable[..., Any]
) -> None:
    round_id = (await open_round())["id"]
    missing_one = application_body(scheme="suishin-society5", conditions=[True, True, False, True])
    problem = _problem(await apply(round_id, missing_one), "society5_conditions")
    assert (problem["required"], problem["met"]) == (4, 3)
    assert problem["missing"] == ["Society5.0に向けた技術を活用し地域課題を解決、地方創生に寄与"]
    none_given = application_body(scheme="suishin-society5")
    problem = _problem(await apply(round_id, none_given), "society5_conditions")
    assert (problem["met"], problem["given"]) == (0, 0)
    ok = application_body(scheme="suishin-society5", conditions=SOCIETY5_CONDITIONS)
    assert (await apply(round_id, ok)).status_code == 201


async def test_rule_values_are_the_registrys_not_constants(
    open_round: Callable[..., Any], apply: Callable[..., Any], session: AsyncSession
) -> None:
    """Lower the registry's 先駆 municipality cap: the review refuses at the new value."""
    from services.registry.programmes.service import save_grant_scheme
    from services.registry.seed.programmes import GRANT_SCHEMES, MUNICIPALITY

    fields, caps, quotas = GRANT_SCHEMES["suishin-senku"]
    lowered = {**caps, MUNICIPALITY: {"yearly_cap_yen": 150_000_000}}
    await save_grant_scheme(
        session, actor="test", scheme_id="suishin-senku", fields=fields, caps=lowered, quotas=quotas
    )
    await session.commit()
    round_id = (await open_round())["id"]
    problem = _problem(await apply(round_id, application_body(amounts=[150_000_001])), "yearly_cap")
    assert problem["cap_yen"] == 150_000_000


async def test_application_checks_before_the_rules(
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
) -> None:
    round_id = (await open_round())["id"]
    unknown = await apply(round_id, application_body(scheme="no-such-scheme"))
    assert unknown.json()["errors"][0]["rule"] == "unknown_scheme"
    bad_code = application_body(members=["012042"], lead="012042")
    response = await apply(round_id, bad_code)
    assert response.json()["errors"][0]["rule"] == "check_digit"
    outside = application_body(funding=[{"fiscal_year": "R3", "amount_yen": 1}])
    assert (await apply(round_id, outside)).json()["errors"][0]["rule"] == "funding_year"
    not_in_round = application_body(programmes=["no-such"])
    assert (await apply(round_id, not_in_round)).json()["errors"][0]["rule"] == "not_in_round"
    # A municipality may apply for itself as lead, not for another local government.
    url = f"/v1/joint-review-rounds/{round_id}/applications"
    own = await review.post(
        url, json=application_body(ASAHIKAWA), headers=auth(Role.municipality, lg_code=ASAHIKAWA)
    )
    assert own.status_code == 201, own.text
    other = await review.post(
        url, json=application_body(MURORAN), headers=auth(Role.municipality, lg_code=ASAHIKAWA)
    )
    assert other.status_code == 403


async def test_every_broken_field_of_an_application_is_named_at_once(
    open_round: Callable[..., Any], apply: Callable[..., Any]
) -> None:
    """Two bad codes, a programme not in the round and a funding year outside the project: one
    422 naming each, not one per attempt."""
    round_id = (await open_round())["id"]
    body = application_body(
        members=["012042", ASAHIKAWA, "01234"],
        programmes=["no-such", "☆"],
        funding=[{"fiscal_year": 2030, "amount_yen": 1}],
    )
    response = await apply(round_id, body)
    assert response.status_code == 422, response.text
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("body.region.lg_codes.0", "check_digit"),
        ("body.region.lg_codes.2", "format"),
        ("body.programmes.0", "not_in_round"),
        ("body.funding.0.fiscal_year", "funding_year"),
    ]


async def test_applications_only_within_the_call(
    open_round: Callable[..., Any], apply: Callable[..., Any], clock: Any
) -> None:
    from datetime import datetime

    from libs.common.fiscal_year import TOKYO

    # Deadline Saturday 2022-02-19 12:00 moves to Monday 2022-02-21 12:00.
    round_id = (await open_round(deadline_at="2022-02-19T12:00:00+09:00"))["id"]
    clock.now = datetime(2022, 2, 21, 11, 59, tzinfo=TOKYO)
    assert (await apply(round_id, application_body())).status_code == 201
    clock.now = datetime(2022, 2, 21, 12, 1, tzinfo=TOKYO)
    problem = _problem(await apply(round_id, application_body()), "application_window")
    assert problem["deadline_effective_at"] == "2022-02-21T12:00:00+09:00"
