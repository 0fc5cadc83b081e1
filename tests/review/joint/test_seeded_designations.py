"""A joint-review application from 富山市 right after ``jisso seed`` (``seed_all``): the seed dates
its designations from the official lists (中核市・中枢中核都市 as of 2021-04-01), so the review
applies the 中枢中核都市 cap (先駆 2.5億円) and quota (7 new applications), and 秩父市 (neither)
the municipality's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.review.joint.conftest import application_body

TOYAMA = "162019"  # 富山県富山市 — seeded; 中核市 and 中枢中核都市
CHICHIBU = "112071"  # 埼玉県秩父市 — seeded; neither
CENTRAL_CORE_CITY_CAP = 250_000_000  # 先駆タイプ 市区町村 ※中枢中核都市は2.5億円
MUNICIPALITY_CAP = 200_000_000


def _refused(response: httpx.Response, rule: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert body["rule"] == rule, body
    return body


async def test_toyama_after_the_seed_gets_the_central_core_city_cap_and_quota(
    registry: httpx.AsyncClient, open_round: Callable[..., Any], apply: Callable[..., Any]
) -> None:
    toyama = (await registry.get(f"/v1/local-governments/{TOYAMA}")).json()
    assert (toyama["is_core_city"], toyama["is_central_core_city"]) == (True, True)
    assert toyama["designations_as_of"] == "2021-04-01"
    round_id = (await open_round())["id"]

    over = application_body(TOYAMA, amounts=[CENTRAL_CORE_CITY_CAP + 1], title="富山 超過")
    problem = _refused(await apply(round_id, over), "yearly_cap")
    assert (problem["applicant_kind"], problem["cap_yen"]) == (
        "central_core_city",
        CENTRAL_CORE_CITY_CAP,
    )
    # Above a municipality's 2.0億円, within the 中枢中核都市's 2.5億円: accepted.
    exact = await apply(
        round_id, application_body(TOYAMA, amounts=[CENTRAL_CORE_CITY_CAP], title="富山 0")
    )
    assert exact.status_code == 201, exact.text
    assert exact.json()["applicant_kind"] == "central_core_city"
    for n in range(1, 7):  # the 7th new application is the last the quota allows
        response = await apply(round_id, application_body(TOYAMA, title=f"富山 {n}"))
        assert response.status_code == 201, f"application {n + 1}: {response.text}"
    eighth = _refused(
        await apply(round_id, application_body(TOYAMA, title="富山 7")), "new_application_quota"
    )
    assert (eighth["quota"], eighth["existing"], eighth["applicant_kind"], eighth["lg_code"]) == (
        7,
        7,
        "central_core_city",
        TOYAMA,
    )

    # 秩父市, seeded as neither, is held to the municipality's cap.
    chichibu = application_body(CHICHIBU, amounts=[CENTRAL_CORE_CITY_CAP], title="秩父")
    problem = _refused(await apply(round_id, chichibu), "yearly_cap")
    assert (problem["applicant_kind"], problem["cap_yen"]) == ("municipality", MUNICIPALITY_CAP)
