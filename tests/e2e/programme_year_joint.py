"""The 令和4年度 joint-review round, January to April 2022: applications at the caps and quotas
(富山市 a 中枢中核都市 by the seed's designations), a conflicted reviewer, an early close refused,
selections at the programme's quota and budget, the embargo until the announcement, publication,
and the ☆ selections made registry projects."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from libs.common.auth import Role
from services.review.joint_review.tasks import (
    publish_joint_review_results,
    register_joint_review_project,
)
from tests.e2e.programme_year_support import Year, ok, problem
from tests.review.joint.conftest import (
    ASAHIKAWA,
    LOCAL_GOVERNMENTS,
    MURORAN,
    application_body,
    round_body,
)

TOYAMA = "162019"  # seeded: 中核市 and 中枢中核都市 as of 2021-04-01
CENTRAL_CORE_CAP, MUNICIPALITY_CAP = 250_000_000, 200_000_000  # 先駆タイプ, a year
SOCIETY5_CONDITIONS = [True, True, True, True]
# Given in a body's order with the marks people type (〇 for ○); ☆'s budget is exactly the two
# selections it makes, and its quota two.
PROGRAMMES = [
    {"programme_id": "■", "quota": 5, "budget_yen": 220_000_000},
    {"programme_id": "〇", "quota": 1, "budget_yen": 500_000_000},
    {"programme_id": "☆", "quota": 2, "budget_yen": CENTRAL_CORE_CAP + MUNICIPALITY_CAP},
]
SCORES = {
    c: {"score": 4, "comment": "先進的で横展開が見込める"}
    for c in ("innovation", "feasibility", "spread")
}


def contact(lg_code: str) -> dict[str, str]:
    return {"name": "スマートシティ担当", "email": f"smart-{lg_code}@example.lg.jp"}


async def joint_review_round(year: Year) -> list[str]:
    """Play the round; the ids of the registry projects its ☆ selections became."""
    year.clock.set("2022-01-20T10:00")
    for code, name, kana, central in LOCAL_GOVERNMENTS:
        body = {"code": code, "name": name, "kana": kana, "is_central_core_city": central}
        ok(await year.registry.post("/v1/local-governments", json=body, headers=year.operator), 201)
    round_ = ok(
        await year.review.post(
            "/v1/joint-review-rounds", json=round_body(programmes=PROGRAMMES), headers=year.operator
        ),
        201,
    )
    assert [(p["mark"], p["programme_id"]) for p in round_["programmes"]] == [
        ("☆", "mirai-gijutsu"),
        ("○", "meti-maas"),
        ("■", "mlit-smart-city-model"),
    ]
    base = f"/v1/joint-review-rounds/{round_['id']}"
    ids = await _applications(year, base)
    await _a_conflicted_reviewer(year, base, ids)
    await _an_early_close_is_refused(year, base)
    await _selections(year, base, ids)
    await _the_embargo(year, base, ids)
    return await _publication(year, base, ids)


async def _apply(year: Year, base: str, body: dict[str, Any], lg_code: str | None = None) -> Any:
    """Filed by the lead municipality itself when ``lg_code`` is given, else by an operator."""
    headers = year.municipality(lg_code) if lg_code else year.operator
    return await year.review.post(f"{base}/applications", json=body, headers=headers)


async def _applications(year: Year, base: str) -> dict[str, str]:
    ids = {}
    over = application_body(TOYAMA, amounts=[CENTRAL_CORE_CAP + 1], programmes=["☆", "○"])
    refused = problem(await _apply(year, base, over, lg_code=TOYAMA), 422, "yearly_cap")
    assert (refused["applicant_kind"], refused["cap_yen"]) == ("central_core_city", 250_000_000)
    # Above a municipality's 2.0億円, exactly the 中枢中核都市's 2.5億円: the lead files it itself.
    at_cap = {**over, "funding": [{"fiscal_year": "R4", "amount_yen": CENTRAL_CORE_CAP}]}
    toyama = ok(
        await _apply(year, base, {**at_cap, "contact": contact(TOYAMA)}, lg_code=TOYAMA), 201
    )
    assert toyama["applicant_kind"] == "central_core_city"
    ids["toyama"] = toyama["id"]

    over = application_body(ASAHIKAWA, amounts=[MUNICIPALITY_CAP + 1], contact=contact(ASAHIKAWA))
    refused = problem(await _apply(year, base, over), 422, "yearly_cap")
    assert (refused["applicant_kind"], refused["cap_yen"]) == ("municipality", MUNICIPALITY_CAP)
    at_cap = {**over, "funding": [{"fiscal_year": 2022, "amount_yen": MUNICIPALITY_CAP}]}
    ids["asahikawa"] = ok(await _apply(year, base, at_cap), 201)["id"]

    # A municipality's quota: the 5th new application accepted, the 6th refused with the numbers.
    for n in range(5):
        body = application_body(
            MURORAN,
            amounts=[10_000_000],
            title=f"室蘭 {n + 1}",
            contact=contact(MURORAN) if n == 0 else None,
        )
        created = ok(await _apply(year, base, body), 201)
        ids.setdefault("muroran", created["id"])
    sixth = application_body(MURORAN, amounts=[10_000_000], title="室蘭 6")
    refused = problem(await _apply(year, base, sixth), 422, "new_application_quota")
    assert (refused["quota"], refused["existing"], refused["quota_group"]) == (5, 5, "suishin")
    # Society5.0 is outside the quota: still accepted once it is full.
    society5 = application_body(
        MURORAN, scheme="suishin-society5", conditions=SOCIETY5_CONDITIONS, title="室蘭 S5"
    )
    assert ok(await _apply(year, base, society5), 201)["quota_group"] is None
    return ids


async def _a_conflicted_reviewer(year: Year, base: str, ids: dict[str, str]) -> None:
    """Registered by mark, stored by id; an officer of 旭川市 (written with its prefecture and
    department) does not see 旭川市's application and cannot score it."""
    year.clock.set("2022-02-01T10:00")
    body = {
        "subject": "rev-hokkaido",
        "name": "北海 審査員",
        "email": "rev-hokkaido@example.jp",
        "organisation": "北海道旭川市 総合政策部",
        "programme": "☆",
    }
    reviewer = ok(await year.review.post("/v1/reviewers", json=body, headers=year.operator), 201)
    assert (reviewer["programme"], reviewer["programme_mark"]) == ("mirai-gijutsu", "☆")
    token = year.auth(Role.reviewer, programme="mirai-gijutsu", subject="rev-hokkaido")
    listed = ok(await year.review.get(f"{base}/applications?programme=☆&limit=50", headers=token))
    seen = {a["id"] for a in listed["items"]}
    assert ids["toyama"] in seen and ids["muroran"] in seen
    assert ids["asahikawa"] not in seen
    hidden = f"{base}/applications/{ids['asahikawa']}"
    assert (await year.review.get(hidden, headers=token)).status_code == 404
    refused = await year.review.put(f"{hidden}/assessment", json=SCORES, headers=token)
    assert any("旭川市" in r for r in problem(refused, 403, "conflict_of_interest")["reasons"])
    scored = await year.review.put(
        f"{base}/applications/{ids['toyama']}/assessment", json=SCORES, headers=token
    )
    assert ok(scored, 201)["total"] == 12


async def _etag(year: Year, base: str) -> str:
    return (await year.review.get(base, headers=year.operator)).headers["ETag"]


async def _an_early_close_is_refused(year: Year, base: str) -> None:
    year.clock.set("2022-02-10T10:00")  # before the deadline, 2022-02-18 12:00
    headers = {**year.operator, "If-Match": await _etag(year, base)}
    early = await year.review.post(f"{base}/close", headers=headers)
    assert problem(early, 422, "round_close_before_deadline")["deadline_effective_at"] == (
        "2022-02-18T12:00:00+09:00"
    )
    blank = await year.review.post(
        f"{base}/close", json={"force": True, "reason": "  "}, headers=headers
    )
    assert problem(blank, 422, "required")["errors"][0]["field"] == "body.reason"
    assert ok(await year.review.get(base, headers=year.operator))["status"] == "open"


async def _select(year: Year, base: str, programme: str, application_id: str) -> Any:
    body = {"programme": programme, "application_id": application_id}
    return await year.review.post(f"{base}/selections", json=body, headers=year.operator)


async def _selections(year: Year, base: str, ids: dict[str, str]) -> None:
    year.clock.set("2022-02-21T10:00")  # past the deadline; the round is still open
    ok(await _select(year, base, "☆", ids["toyama"]), 201)
    ok(await _select(year, base, "〇", ids["toyama"]), 201)
    ok(await _select(year, base, "mirai-gijutsu", ids["asahikawa"]), 201)  # budget: exactly
    refused = problem(await _select(year, base, "☆", ids["muroran"]), 422, "programme_quota")
    assert (refused["quota"], refused["selected"]) == (2, 2)
    page = ok(await year.review.get(f"{base}/selections?programme=☆", headers=year.operator))
    assert set(page) == {"items", "next"}
    assert [s["application_id"] for s in page["items"]] == [ids["toyama"], ids["asahikawa"]]
    every = ok(await year.review.get(f"{base}/selections", headers=year.operator))["items"]
    assert [s["mark"] for s in every] == ["☆", "☆", "○"]  # legend order, then as made
    running = ok(await year.review.get(base, headers=year.operator))["programmes"]
    assert [(p["selected"], p["selected_amount_yen"]) for p in running] == [
        (2, 450_000_000),
        (1, 250_000_000),
        (0, 0),
    ]


async def _hidden_from_others(year: Year, base: str, ids: dict[str, str]) -> None:
    """Nothing of the selections reaches a non-operator before publication."""
    lead, partner = year.municipality(TOYAMA), year.partner
    for headers in (lead, partner):
        round_ = ok(await year.review.get(base, headers=headers))
        assert {p["selected"] for p in round_["programmes"]} == {None}
        for results in ("results", "results.csv", "results.xlsx"):
            assert (await year.review.get(f"{base}/{results}", headers=headers)).status_code == 404
        assert (await year.review.get(f"{base}/selections", headers=headers)).status_code == 403
    own = ok(await year.review.get(f"{base}/applications/{ids['toyama']}", headers=lead))
    assert [(p["mark"], p["selected"]) for p in own["programmes"]] == [("☆", None), ("○", None)]
    assert (await year.review.get("/v1/audit", headers=partner)).status_code == 403


async def _the_embargo(year: Year, base: str, ids: dict[str, str]) -> None:
    await _hidden_from_others(year, base, ids)
    year.clock.set("2022-02-21T11:00")
    closed = await year.review.post(
        f"{base}/close", headers={**year.operator, "If-Match": await _etag(year, base)}
    )
    assert (ok(closed)["status"], closed.json()["published"]) == ("closed", False)
    year.clock.set("2022-03-30T18:00")  # closed, the announcement (2022-03-31) not yet come
    await _hidden_from_others(year, base, ids)
    # The operators' workbook says what it is until the announcement, on the sheet and the file.
    workbook = await _workbook(year, f"{base}/results.xlsx", year.operator)
    rows = list(workbook["選定結果"].iter_rows(values_only=True))
    assert rows[0][0] == "令和4年度 スマートシティ関連事業 合同審査 選定結果"
    assert rows[1][0] == "公表前・取扱注意"
    assert workbook.properties.category == "公表前・取扱注意"


async def _workbook(year: Year, url: str, headers: dict[str, str]) -> Any:
    response = await year.review.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return load_workbook(io.BytesIO(response.content))


async def _publication(year: Year, base: str, ids: dict[str, str]) -> list[str]:
    ctx = year.review_ctx()
    assert await publish_joint_review_results(ctx, {"as_of": "2022-03-30T23:50:00+09:00"}) == 0
    assert await publish_joint_review_results(ctx, {"as_of": "2022-03-31T00:00:00+09:00"}) == 1
    year.clock.set("2022-03-31T10:00")
    results = ok(await year.review.get(f"{base}/results", headers=year.partner))
    regions = {r["application_id"]: r for r in results["regions"]}
    assert (regions[ids["toyama"]]["marks"], regions[ids["asahikawa"]]["marks"]) == ("☆○", "☆")
    # Both collaborate: 富山市 with two programmes, 旭川市 with one but selected in an earlier year.
    assert regions[ids["asahikawa"]]["earlier"] == [
        {"mark": "☆", "fiscal_year": 2021, "source": "round"}  # the seed's FY2021 table
    ]
    assert regions[ids["toyama"]]["earlier"] == [
        {"mark": "☆", "fiscal_year": 2019, "source": "registry"}  # the seed's R1 project
    ]
    assert all(r["collaborating"] for r in regions.values())
    assert (results["totals"]["regions_selected"], results["totals"]["collaborating"]) == (2, 2)
    round_ = ok(await year.review.get(base, headers=year.partner))
    assert [p["selected"] for p in round_["programmes"]] == [2, 1, 0]
    workbook = await _workbook(year, f"{base}/results.xlsx", year.partner)
    rows = list(workbook["選定結果"].iter_rows(values_only=True))
    assert list(rows[1][:4]) == ["選定地域数", 2, "うち事業間連携", 2]
    assert not any("公表前" in str(value) for row in rows for value in row if value)
    assert workbook.properties.category == "公表資料"

    letters = {
        m["recipients"][0]["email"]: m["context"]
        for m in await year.outbox("send_transactional")
        if m["kind"] == "joint_review_result"
    }
    assert {email: c["result"] for email, c in letters.items()} == {
        contact(TOYAMA)["email"]: "selected",
        contact(ASAHIKAWA)["email"]: "selected",
        contact(MURORAN)["email"]: "not_selected",  # the one of its six that gave a contact
    }
    assert letters[contact(TOYAMA)["email"]]["programmes"] == [
        "未来技術社会実装事業",
        "地域新MaaS創出推進事業",
    ]
    created = await year.run_jobs(register_joint_review_project, "register_joint_review_project")
    assert len(created) == 2 and all(created)
    again = await year.run_jobs(register_joint_review_project, "register_joint_review_project")
    assert again == [None, None]  # done once, however often arq runs it
    projects = ok(
        await year.registry.get("/v1/projects?fiscal_year=R4&programme=☆", headers=year.operator)
    )["items"]
    assert sorted(p["id"] for p in projects) == sorted(created)
    assert {(p["proposers"][0]["lg_code"], p["term_end"], p["status"]) for p in projects} == {
        (TOYAMA, "2025-03-31", "supported"),
        (ASAHIKAWA, "2025-03-31", "supported"),
    }
    return list(created)
