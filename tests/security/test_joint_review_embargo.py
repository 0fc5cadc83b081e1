"""The joint-review embargo: before the announcement only operators learn anything about selections.

A round with two applications (室蘭市's to ☆ and ○, 帯広市's to ☆) is read through every
joint-review route (and the audit trail) by every role: the operator, the registered ☆ reviewer, the
applicant municipality (室蘭市), another municipality, a partner and the service. Then the operator
selects 室蘭市's application for ☆ and ○, and:

- every read a non-operator makes answers exactly as before the selection — same status, same body
  bytes, same headers (ETag included), so not even a length or an ETag moves;
- no response to a non-operator, on any route, carries a selection fact: a ``selected`` flag or
  count (``false`` and ``0`` are facts too), an amount, ``selected_by``, a result, a selection's id;
- nothing leaves for the applicants (no result letter, no registry project) before publication.

After the announcement everyone allowed sees the results. A joint-review route the review app
serves that is missing from ``ROUTES`` fails ``test_every_joint_review_route_is_in_the_embargo``.
"""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from libs.common.fiscal_year import TOKYO
from libs.common.settings import Settings
from services.review.models import outbox
from tests.fixtures.apps import FrozenClock
from tests.review.joint.conftest import (
    ASAHIKAWA,
    LOCAL_GOVERNMENTS,
    MURORAN,
    OBIHIRO,
    application_body,
    round_body,
)
from tests.security.wiring import Wired

BASE = "/v1/joint-review-rounds"
REVIEWER = "embargo-reviewer"
SCORES = {c: {"score": 3, "comment": "妥当"} for c in ("innovation", "feasibility", "spread")}
NOWHERE = str(uuid.UUID(int=0xE3B))

# Every joint-review route, and the audit trail, with the body a caller sends ({round_id},
# {app_id} and {selection_id} are filled in). Writes a non-operator may make are harmless here:
# an empty application is a 422, the reviewer's scores are theirs to give.
ROUTES: dict[tuple[str, str], Any] = {
    ("GET", "/v1/audit"): None,
    ("POST", BASE): round_body(),
    ("GET", BASE): None,
    ("GET", BASE + "/{round_id}"): None,
    ("POST", BASE + "/{round_id}/close"): None,
    ("POST", BASE + "/{round_id}/selections"): {"programme": "☆", "application_id": "{app_id}"},
    ("GET", BASE + "/{round_id}/selections"): None,
    ("DELETE", BASE + "/{round_id}/selections/{selection_id}"): None,
    ("POST", BASE + "/{round_id}/applications"): {},
    ("GET", BASE + "/{round_id}/applications"): None,
    ("GET", BASE + "/{round_id}/applications/{app_id}"): None,
    ("PUT", BASE + "/{round_id}/applications/{app_id}/assessment"): SCORES,
    ("GET", BASE + "/{round_id}/applications/{app_id}/assessments"): None,
    ("GET", BASE + "/{round_id}/results"): None,
    ("GET", BASE + "/{round_id}/results.csv"): None,
    ("GET", BASE + "/{round_id}/results.xlsx"): None,
    ("GET", BASE + "/{round_id}/applications.xlsx"): None,
}
# Keys whose value, when not null, says something about selections.
FACT_KEYS = {
    "selected",
    "selected_amount_yen",
    "selected_by",
    "regions_selected",
    "by_programme",
    "regions",
    "marks",
    "collaborating",
    "result",
    "registry_project_id",
}
# Headers that differ on every response whatever the data.
VOLATILE = {"x-request-id", "date", "traceparent", "server-timing"}
DAY_BEFORE = datetime(2022, 3, 30, 23, 59, tzinfo=TOKYO)
ANNOUNCED = datetime(2022, 3, 31, 0, 0, tzinfo=TOKYO)


@dataclass
class World:
    review: httpx.AsyncClient
    callers: dict[str, dict[str, str]]
    round_id: str
    selected_app: str
    other_app: str
    selection_ids: list[str]

    def ids(self) -> dict[str, str]:
        return {
            "round_id": self.round_id,
            "app_id": self.selected_app,
            "selection_id": self.selection_ids[0] if self.selection_ids else NOWHERE,
        }

    def operator(self) -> dict[str, str]:
        return self.callers["operator"]

    def outsiders(self) -> dict[str, dict[str, str]]:
        return {name: h for name, h in self.callers.items() if name != "operator"}


def _served_joint_routes(make_settings: Callable[..., Settings]) -> set[tuple[str, str]]:
    app = importlib.import_module("services.review.app").create_app(make_settings("review"))
    served = set()
    for route in iter_route_contexts(app.routes):
        path = str(route.path)
        if path.startswith(BASE) or path == "/v1/audit":
            served |= {(m, path) for m in route.methods or () if m != "HEAD"}
    return served


def test_every_joint_review_route_is_in_the_embargo(make_settings: Callable[..., Settings]) -> None:
    served = _served_joint_routes(make_settings)
    assert not sorted(served - set(ROUTES)), "add these routes to ROUTES"
    assert not sorted(set(ROUTES) - served), "ROUTES lists routes the app does not serve"


async def _made(client: httpx.AsyncClient, path: str, body: Any, headers: dict[str, str]) -> Any:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def _world(wired: Wired, session: AsyncSession, token: Callable[..., str]) -> World:
    from services.registry.seed import seed_all

    await seed_all(session)
    await session.commit()  # a savepoint inside the test's transaction
    wired.apps["review"].state.clock = FrozenClock(datetime(2022, 1, 20, 10, 0, tzinfo=TOKYO))
    operator = {"Authorization": f"Bearer {token(Role.operator, subject='embargo-operator')}"}
    for code, name, kana, central in LOCAL_GOVERNMENTS:
        body = {"code": code, "name": name, "kana": kana, "is_central_core_city": central}
        await _made(wired.clients["registry"], "/v1/local-governments", body, operator)
    review = wired.clients["review"]
    reviewer = {"subject": REVIEWER, "name": "審査 花子", "email": "hanako@example.ac.jp"}
    body = reviewer | {"organisation": "早稲田大学", "programme": "mirai-gijutsu"}
    await _made(review, "/v1/reviewers", body, operator)
    round_id = (await _made(review, BASE, round_body(), operator))["id"]
    apps = []
    for lead, marks in ((MURORAN, ["☆", "○"]), (OBIHIRO, ["☆"])):
        contact = {"name": "担当 太郎", "email": f"{lead}@example.lg.jp"}
        body = application_body(lead, programmes=marks, amounts=[10_000_000], contact=contact)
        apps.append((await _made(review, f"{BASE}/{round_id}/applications", body, operator))["id"])

    def bearer(role: Role, **claims: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(role, **claims)}"}

    callers = {
        "operator": operator,
        "reviewer": bearer(Role.reviewer, subject=REVIEWER, programme="mirai-gijutsu"),
        "applicant": bearer(Role.municipality, subject="embargo-muroran", lg_code=MURORAN),
        "other_municipality": bearer(Role.municipality, subject="embargo-lg", lg_code=ASAHIKAWA),
        "partner": bearer(Role.partner, subject="embargo-partner"),
        "service": bearer(Role.service, subject="embargo-service"),
    }
    return World(review, callers, round_id, apps[0], apps[1], [])


async def _call(world: World, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    ids = world.ids()
    body = ROUTES[(method, path)]
    if body is not None:
        body = json.loads(json.dumps(body).replace("{app_id}", ids["app_id"]))
    return await world.review.request(method, path.format(**ids), json=body, headers=headers)


def _facts_in(value: Any, where: str = "body") -> list[str]:
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if key in FACT_KEYS and item not in (None, [], {}):
                found.append(f"{where}.{key} = {item!r}")
            found += _facts_in(item, f"{where}.{key}")
        return found
    if isinstance(value, list):
        return [fact for i, item in enumerate(value) for fact in _facts_in(item, f"{where}[{i}]")]
    return []


def selection_facts(world: World, response: httpx.Response) -> list[str]:
    """What in a response tells something about selections (empty when nothing does)."""
    found = []
    secrets = [*world.selection_ids, "embargo-operator"]
    for name, value in response.headers.items():
        found += [f"header {name}: {value}" for s in secrets if s in value]
    # A problem's `instance` repeats the path the caller sent: not something it learned.
    text = response.text.replace(response.request.url.path, "")
    found += [f"body names {s}" for s in secrets if s in text]
    if response.status_code < 300 and response.headers.get("content-type", "").startswith(
        ("text/csv", "application/vnd.openxml")
    ):
        found.append("a results export")
    elif response.content:
        found += _facts_in(response.json())
    return found


def _seen(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = sorted((k, v) for k, v in response.headers.items() if k not in VOLATILE)
    return response.status_code, response.content, headers


async def _reads(world: World) -> dict[tuple[str, str], tuple[int, bytes, list[tuple[str, str]]]]:
    """Every GET as every non-operator."""
    return {
        (caller, path): _seen(await _call(world, "GET", path, headers))
        for (method, path) in ROUTES
        if method == "GET"
        for caller, headers in world.outsiders().items()
    }


async def _leaks(world: World) -> list[str]:
    """Every route as every non-operator, with what each response gives away."""
    leaks = []
    for method, path in ROUTES:
        for caller, headers in world.outsiders().items():
            response = await _call(world, method, path, headers)
            assert response.status_code < 500, (method, path, caller, response.text)
            leaks += [
                f"{method} {path} as {caller}: {fact}" for fact in selection_facts(world, response)
            ]
    return leaks


async def _select(world: World) -> None:
    for mark in ("☆", "○"):
        body = {"programme": mark, "application_id": world.selected_app}
        selection = await _made(
            world.review, f"{BASE}/{world.round_id}/selections", body, world.operator()
        )
        world.selection_ids.append(selection["id"])


async def _close(world: World) -> None:
    url = f"{BASE}/{world.round_id}"
    etag = (await world.review.get(url, headers=world.operator())).headers["ETag"]
    early = {"force": True, "reason": "試験: 締切前に締め切る"}  # the clock is before the deadline
    closed = await world.review.post(
        f"{url}/close", json=early, headers={**world.operator(), "If-Match": etag}
    )
    assert closed.status_code == 200, closed.text


async def _letters(session: AsyncSession) -> list[str]:
    functions = ("send_transactional", "register_joint_review_project")
    rows = await session.execute(select(outbox.c.function).where(outbox.c.function.in_(functions)))
    return list(rows.scalars())


async def test_before_the_announcement_only_operators_learn_of_selections(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    world = await _world(wired, session, token)
    round_url = f"{BASE}/{world.round_id}"
    operator_etag = (await world.review.get(round_url, headers=world.operator())).headers["ETag"]
    before = await _reads(world)
    await _select(world)
    after = await _reads(world)
    moved = sorted(
        f"GET {path} as {caller}"
        for (caller, path) in before
        if before[caller, path] != after[caller, path]
    )
    assert moved == [], "a non-operator's read changed when a selection was made"
    assert await _leaks(world) == []
    operator_view = await world.review.get(round_url, headers=world.operator())
    assert operator_view.headers["ETag"] != operator_etag  # the operator's representation moved
    star = operator_view.json()["programmes"][0]
    assert (star["selected"], star["selected_amount_yen"]) == (1, 10_000_000)
    await _close(world)
    wired.apps["review"].state.clock.now = DAY_BEFORE
    assert await _leaks(world) == []
    assert await _letters(session) == []


async def test_after_the_announcement_everyone_allowed_sees_the_results(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    world = await _world(wired, session, token)
    await _select(world)
    await _close(world)
    wired.apps["review"].state.clock.now = ANNOUNCED
    review, callers, round_url = world.review, world.callers, f"{BASE}/{world.round_id}"
    for caller in ("partner", "other_municipality", "service", "reviewer", "applicant"):
        round_ = (await review.get(round_url, headers=callers[caller])).json()
        counts = {
            p["mark"]: (p["selected"], p["selected_amount_yen"]) for p in round_["programmes"]
        }
        assert counts["☆"] == (1, 10_000_000) and counts["□"] == (0, 0), caller
        results = await review.get(f"{round_url}/results", headers=callers[caller])
        assert results.json()["totals"]["regions_selected"] == 1, caller
    own = await review.get(
        f"{round_url}/applications/{world.selected_app}", headers=callers["applicant"]
    )
    assert [p["selected"] for p in own.json()["programmes"]] == [True, True]
    listed = await review.get(f"{round_url}/applications", headers=callers["reviewer"])
    flags = {a["id"]: [p["selected"] for p in a["programmes"]] for a in listed.json()["items"]}
    assert flags == {world.selected_app: [True, True], world.other_app: [False]}
