"""Publication at the announcement: the sweep, the outbox messages it writes, and the job that turns
☆ selections into registry projects (once, however often it runs)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.auth import Role
from libs.common.fiscal_year import TOKYO
from services.review.joint_review.tasks import (
    publish_joint_review_results,
    register_joint_review_project,
)
from services.review.models import outbox
from services.review.registry_client import RegistryClient
from tests.review.joint.conftest import EARLY_CLOSE, MURORAN, OBIHIRO, application_body


async def _messages(session: AsyncSession, function: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(outbox.c.payload).where(outbox.c.function == function).order_by(outbox.c.created_at)
    )
    return [row[0] for row in rows]


async def _selected_round(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
) -> tuple[str, str, str]:
    """A round where ☆ and ○ select 室蘭市 and nobody selects 帯広市 (both gave a contact)."""
    round_id = (await open_round())["id"]
    ids = []
    for lead, title in ((MURORAN, "室蘭市ドローン物流"), (OBIHIRO, "帯広市MaaS")):
        body = application_body(
            lead,
            programmes=["☆", "○"],
            amounts=[10_000_000],
            title=title,
            contact={"name": "担当 太郎", "email": f"{lead}@example.lg.jp"},
        )
        response = await apply(round_id, body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    for mark in ("☆", "○"):
        response = await review.post(
            f"/v1/joint-review-rounds/{round_id}/selections",
            json={"programme": mark, "application_id": ids[0]},
            headers=auth(),
        )
        assert response.status_code == 201, response.text
    return round_id, ids[0], ids[1]


async def _close(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]], round_id: str
) -> None:
    etag = (await review.get(f"/v1/joint-review-rounds/{round_id}", headers=auth())).headers["ETag"]
    closed = await review.post(
        f"/v1/joint-review-rounds/{round_id}/close",
        json=EARLY_CLOSE,  # ahead of the deadline when the clock has not moved past it
        headers={**auth(), "If-Match": etag},
    )
    assert closed.status_code == 200, closed.text


async def test_the_sweep_publishes_at_the_announcement_once(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
) -> None:
    round_id, selected, not_selected = await _selected_round(review, auth, open_round, apply)
    await _close(review, auth, round_id)
    ctx: dict[str, Any] = {"sessionmaker": sessionmaker}
    before = datetime(2022, 3, 30, 23, 50, tzinfo=TOKYO).isoformat()
    assert await publish_joint_review_results(ctx, {"as_of": before}) == 0
    assert await _messages(session, "register_joint_review_project") == []
    at = datetime(2022, 3, 31, 0, 0, tzinfo=TOKYO).isoformat()
    assert await publish_joint_review_results(ctx, {"as_of": at}) == 1
    assert await publish_joint_review_results(ctx, {"as_of": at}) == 0  # already published
    # ☆ and ○ selected 室蘭市; only the ☆ selection becomes a registry project.
    [project_message] = await _messages(session, "register_joint_review_project")
    assert uuid.UUID(project_message["selection_id"])
    results = await _messages(session, "send_transactional")
    by_region = {m["context"]["region"]: m for m in results}
    assert by_region[f"地域 {MURORAN}"]["context"] == {
        "fiscal_year_label": "令和4年度",
        "region": f"地域 {MURORAN}",
        "result": "selected",
        "programmes": ["未来技術社会実装事業", "地域新MaaS創出推進事業"],
        "note": "室蘭市ドローン物流",
    }
    assert by_region[f"地域 {OBIHIRO}"]["context"]["result"] == "not_selected"
    assert by_region[f"地域 {OBIHIRO}"]["kind"] == "joint_review_result"
    assert by_region[f"地域 {OBIHIRO}"]["recipients"] == [
        {"name": "担当 太郎", "email": f"{OBIHIRO}@example.lg.jp", "contact_id": None}
    ]
    assert by_region[f"地域 {MURORAN}"]["dedupe_key"] == f"joint-review-result:{selected}"
    partner = await review.get(
        f"/v1/joint-review-rounds/{round_id}/results", headers=auth(Role.partner)
    )
    assert partner.status_code == 200  # published as of the sweep's slot
    assert [r["application_id"] for r in partner.json()["regions"]] == [selected]
    assert not_selected


async def test_closing_after_the_announcement_publishes_at_once(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
    session: AsyncSession,
    clock: Any,
) -> None:
    round_id, _, _ = await _selected_round(review, auth, open_round, apply)
    clock.now = datetime(2022, 4, 1, 9, 0, tzinfo=TOKYO)
    await _close(review, auth, round_id)
    round_ = (await review.get(f"/v1/joint-review-rounds/{round_id}", headers=auth())).json()
    assert round_["published_at"] == "2022-04-01T09:00:00+09:00"
    assert len(await _messages(session, "register_joint_review_project")) == 1


async def test_a_selected_region_of_the_cabinet_office_programme_becomes_one_registry_project(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    review_registry_client: RegistryClient,
    registry: httpx.AsyncClient,
    clock: Any,
) -> None:
    round_id, selected, _ = await _selected_round(review, auth, open_round, apply)
    clock.now = datetime(2022, 4, 1, 9, 0, tzinfo=TOKYO)
    await _close(review, auth, round_id)
    [message] = await _messages(session, "register_joint_review_project")
    ctx: dict[str, Any] = {"sessionmaker": sessionmaker, "registry": review_registry_client}
    project_id = await register_joint_review_project(ctx, message)
    assert project_id is not None
    assert await register_joint_review_project(ctx, message) is None  # done already
    project = (await registry.get(f"/v1/projects/{project_id}")).json()
    assert project["title"] == "室蘭市ドローン物流"
    assert project["selection_fiscal_year"] == 2022
    assert project["programme_id"] == "mirai-gijutsu"
    assert [(p["lg_code"], p["is_lead"]) for p in project["proposers"]] == [(MURORAN, True)]
    listed = (await registry.get("/v1/projects", params={"fiscal_year": 2022})).json()["items"]
    assert [p["id"] for p in listed] == [project_id]
    selections = (
        await review.get(f"/v1/joint-review-rounds/{round_id}/selections", headers=auth())
    ).json()["items"]
    star = next(s for s in selections if s["mark"] == "☆")
    assert (star["application_id"], star["registry_project_id"]) == (selected, project_id)


async def test_a_rerun_after_a_lost_commit_finds_the_project_instead_of_creating_another(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    review_registry_client: RegistryClient,
    registry: httpx.AsyncClient,
    clock: Any,
) -> None:
    """The registry created the project but the job's commit was lost: the rerun looks it up."""
    round_id, _, _ = await _selected_round(review, auth, open_round, apply)
    clock.now = datetime(2022, 4, 1, 9, 0, tzinfo=TOKYO)
    await _close(review, auth, round_id)
    [message] = await _messages(session, "register_joint_review_project")
    existing = await registry.post(
        "/v1/projects",
        json={
            "programme": "☆",
            "title": "室蘭市ドローン物流",
            "proposers": [{"lg_code": MURORAN, "is_lead": True}],
            "selection_fiscal_year": "R4",
        },
    )
    assert existing.status_code == 201, existing.text
    ctx: dict[str, Any] = {"sessionmaker": sessionmaker, "registry": review_registry_client}
    assert await register_joint_review_project(ctx, message) == existing.json()["id"]
    listed = (await registry.get("/v1/projects", params={"fiscal_year": 2022})).json()["items"]
    assert len(listed) == 1
