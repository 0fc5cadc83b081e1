"""Rows that belong to a local government or a programme: the owner may, a stranger of the same
role may not (403), and the stranger's refused call changes nothing.

The matrix (test_authorization_matrix.py) checks roles on ids that do not exist; this module makes a
project proposed by 秩父市 (112071) with its council, a member and a contact, and a reviewer of the
☆ programme, then calls each owned route as the owner and as a stranger. Deeper object rules of the
review service (unassigned reviewers, non-lead proposers) are in tests/review.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from libs.common.auth import Role
from tests.fixtures.clients import bearer
from tests.fixtures.world import prepare
from tests.registry.projects_support import project_body
from tests.security.callers import OTHER_LG_CODE, OTHER_PROGRAMME
from tests.security.wiring import Wired, fingerprint

OWNER_CODE = "112071"
NOWHERE = str(uuid.UUID(int=0x0A11))
REVIEWER = "ownership-reviewer"
SCORES = {c: {"score": 3, "comment": "妥当"} for c in ("innovation", "feasibility", "spread")}


@dataclass(frozen=True)
class Owned:
    project: str
    council: str
    member: str
    contact: str
    link: str


async def make_world(wired: Wired, session: AsyncSession, token: Callable[..., str]) -> Owned:
    await prepare(session)
    operator = bearer(token(Role.operator))
    registry = wired.clients["registry"]

    async def created(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await registry.post(path, json=body, headers=operator)
        assert response.status_code == 201, response.text
        made: dict[str, Any] = response.json()
        return made

    project = await created("/v1/projects", project_body())
    council = await created(f"/v1/projects/{project['id']}/council", {"name": "秩父市 協議会"})
    member = await created(
        f"/v1/councils/{council['id']}/members",
        {"organisation": "早稲田大学", "category": "university"},
    )
    contact = await created(
        "/v1/contacts",
        {
            "name": "秩父 花子",
            "email": "hanako.ownership@example.jp",
            "stakeholder_category": "local_government",
            "lg_code": OWNER_CODE,
        },
    )
    link = await created(f"/v1/contacts/{contact['id']}/links", {"council_id": council["id"]})
    reviewer = {
        "subject": REVIEWER,
        "name": "審査 太郎",
        "email": "taro.ownership@example.ac.jp",
        "organisation": "某大学",
        "programme": "☆",
    }
    response = await wired.clients["review"].post("/v1/reviewers", json=reviewer, headers=operator)
    assert response.status_code == 201, response.text
    return Owned(project["id"], council["id"], member["id"], contact["id"], link["id"])


def owned_calls(w: Owned) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(method, url, body): bodies are valid, and If-Match is left out, so the owner gets 428 on a
    change instead of changing anything."""
    council, member = f"/v1/councils/{w.council}", f"/v1/councils/{w.council}/members/{w.member}"
    contact = f"/v1/contacts/{w.contact}"
    return [
        ("GET", f"/v1/projects/{w.project}", None),
        ("PATCH", f"/v1/projects/{w.project}", {"summary": "改ざん"}),
        ("PUT", f"/v1/projects/{w.project}/activity-reports/2021", {"body": "報告"}),
        ("GET", f"/v1/projects/{w.project}/council", None),
        ("GET", council, None),
        ("PATCH", council, {"name": "乗っ取り協議会"}),
        ("POST", f"{council}/members", {"organisation": "某社", "category": "private_company"}),
        ("GET", member, None),
        ("PATCH", member, {"role": "chair"}),
        ("DELETE", member, None),
        ("GET", contact, None),
        ("PATCH", contact, {"name": "改ざん"}),
        ("POST", f"{contact}/links", {"project_id": w.project}),
        ("DELETE", f"{contact}/links/{w.link}", None),
        ("GET", f"/v1/contacts?lg_code={OWNER_CODE}", None),
    ]


async def call(
    connection: AsyncConnection,
    client: httpx.AsyncClient,
    method: str,
    url: str,
    body: dict[str, Any] | None,
    headers: dict[str, str],
) -> tuple[int, bool]:
    """(status, whether the service's tables changed), in a savepoint that is then rolled back."""
    schema = str(client.base_url.host)
    savepoint = await connection.begin_nested()
    try:
        before = await fingerprint(connection, schema)
        response = await client.request(method, url, json=body, headers=headers)
        return response.status_code, await fingerprint(connection, schema) != before
    finally:
        await savepoint.rollback()


async def test_a_municipality_reaches_only_its_own_projects_councils_and_contacts(
    wired: Wired, session: AsyncSession, connection: AsyncConnection, token: Callable[..., str]
) -> None:
    world = await make_world(wired, session, token)
    owner = bearer(token(Role.municipality, lg_code=OWNER_CODE))
    stranger = bearer(token(Role.municipality, lg_code=OTHER_LG_CODE))
    wrong = []
    for method, url, body in owned_calls(world):
        status, _ = await call(connection, wired.clients["registry"], method, url, body, owner)
        if status in (401, 403) or status >= 500:
            wrong.append(f"owner {method} {url}: {status}")
        status, changed = await call(
            connection, wired.clients["registry"], method, url, body, stranger
        )
        if status != 403 or changed:
            wrong.append(f"stranger {method} {url}: {status}, tables changed: {changed}")
    assert not wrong, "\n".join(wrong)


STORED = "the-programme-id-the-reviewer-was-stored-under"


@pytest.mark.parametrize(
    ("subject", "programme", "expected"),
    [
        # Registered by the mark ☆, stored as the programme's id (STORED: the id the
        # registration answered with); the token may name that programme by id or by mark.
        (REVIEWER, STORED, 404),  # the programme's reviewer: past the check, no such round
        (REVIEWER, "☆", 404),  # the same programme by its mark: past the check too
        (REVIEWER, OTHER_PROGRAMME, 403),  # the same person claiming another programme
        ("unregistered-reviewer", STORED, 403),
    ],
)
async def test_a_reviewer_assesses_only_for_the_programme_they_are_registered_in(
    wired: Wired,
    session: AsyncSession,
    connection: AsyncConnection,
    token: Callable[..., str],
    subject: str,
    programme: str,
    expected: int,
) -> None:
    await make_world(wired, session, token)
    if programme == STORED:
        registered = await wired.clients["review"].get(
            f"/v1/reviewers/{REVIEWER}", headers=bearer(token(Role.operator))
        )
        programme = registered.json()["programme"]
        assert programme not in (STORED, "☆")
    headers = bearer(token(Role.reviewer, subject=subject, programme=programme))
    url = f"/v1/joint-review-rounds/{NOWHERE}/applications/{NOWHERE}/assessment"
    status, changed = await call(connection, wired.clients["review"], "PUT", url, SCORES, headers)
    assert (status, changed) == (expected, False)


async def test_the_fingerprint_sees_an_insert_an_update_and_a_delete(
    connection: AsyncConnection,
) -> None:
    """What the refused-call checks rely on."""
    changes = [
        "INSERT INTO registry.local_governments (code, name, kana, prefecture_code, prefecture, "
        "kind, is_core_city, is_central_core_city, search_key, version) VALUES ('011002', "
        "'札幌市', '', '01', '北海道', 'designated_city', false, false, 'さっぽろし', 1)",
        "UPDATE registry.local_governments SET name = '札幌' WHERE code = '011002'",
        "DELETE FROM registry.local_governments WHERE code = '011002'",
    ]
    seen = [await fingerprint(connection, "registry")]
    for statement in changes:
        await connection.execute(text(statement))
        seen.append(await fingerprint(connection, "registry"))
    initial, inserted, updated, deleted = seen
    assert initial != inserted != updated != initial
    assert deleted == initial
