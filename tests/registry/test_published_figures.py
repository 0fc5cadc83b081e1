"""Published figures (公表数値) on real PostgreSQL: what the seed publishes stored as published,
served beside the counted rows by the projects' stats, listed, and corrected by operators with
an audit trail. The seed's 38 is a published figure; the rows it names count 6."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from services.registry.audit.models import AuditEvent
from services.registry.figures.models import PublishedFigure
from services.registry.seed import seed_all
from services.registry.seed.figures import SOURCE, seed_figures
from tests.fixtures.clients import bearer

URL = "/v1/published-figures"
PROJECT_KEYS = [
    "projects.fy2018.continued",
    "projects.fy2018.ended_fy2020",
    "projects.fy2019.continued",
    "projects.fy2019.ending_fy2021",
    "projects.selected.fy2018",
    "projects.selected.fy2019",
    "projects.selected.fy2020",
    "projects.selected.fy2021",
    "projects.supported.current",
    "society5.adopted.fy2021",
    "society5.adopted.fy2021.programme_projects",
]


def by_key(figures: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["key"]: f for f in figures}


async def test_stats_count_the_rows_and_serve_the_published_figures_beside_them(
    registry: httpx.AsyncClient, session: AsyncSession, token: Callable[..., str]
) -> None:
    await seed_all(session)
    partner = bearer(token(Role.partner))
    response = await registry.get(
        "/v1/projects/stats", params={"as_of": "2021-08-24"}, headers=partner
    )
    assert response.status_code == 200, response.text
    stats = response.json()
    # Counted: the rows the seed names (five R1 continuations, the Chichibu R2 project).
    assert (stats["as_of"], stats["total"]) == ("2021-08-24", 6)
    assert [(c["fiscal_year"], c["supported"]) for c in stats["by_selection_fiscal_year"]] == [
        (2019, 5),
        (2020, 1),
    ]
    # Published: what the document states about the projects it does not name.
    published = by_key(stats["published"])
    assert sorted(published) == PROJECT_KEYS
    current = published["projects.supported.current"]
    assert (current["value"], current["unit"], current["fiscal_year_label"]) == (
        38,
        "事業",
        "令和3年度",
    )
    assert (current["as_of"], current["source"]) == ("2022-02-09", SOURCE)
    assert "現在38事業に対して支援を実施中" in current["source_text"]
    assert "R3.8.24時点" in current["as_of_note"]
    assert {k: published[f"projects.selected.fy{k}"]["value"] for k in range(2018, 2022)} == {
        2018: 14,
        2019: 8,
        2020: 12,
        2021: 9,
    }
    ended, continued = (
        published["projects.fy2018.ended_fy2020"],
        published["projects.fy2018.continued"],
    )
    assert (ended["value"], ended["cohort_fiscal_year"], ended["fiscal_year"]) == (5, 2018, 2020)
    assert (continued["value"], continued["derivation"] is not None) == (9, True)
    assert ended["derivation"] is None  # written as a number in the source
    r1_continued = published["projects.fy2019.continued"]
    assert (r1_continued["value"], r1_continued["as_of"]) == (5, "2021-12-17")
    assert published["projects.fy2019.ending_fy2021"]["value"] == 3
    assert published["society5.adopted.fy2021"]["value"] == 19
    assert published["society5.adopted.fy2021.programme_projects"]["value"] == 8
    # The published figures do not move with the counted day.
    later = await registry.get(
        "/v1/projects/stats", params={"as_of": "2030-01-01"}, headers=partner
    )
    assert later.json()["total"] == 0
    assert later.json()["published"] == stats["published"]


async def test_the_list_filters_by_topic_and_fiscal_year_and_pages(
    registry: httpx.AsyncClient, session: AsyncSession, token: Callable[..., str]
) -> None:
    await seed_figures(session)
    reviewer = bearer(token(Role.reviewer, programme="mirai-gijutsu"))
    platform = await registry.get(URL, params={"topic": "platform"}, headers=reviewer)
    assert platform.status_code == 200, platform.text
    [members] = platform.json()["items"]
    assert (members["key"], members["value"], members["as_of"]) == (
        "platform.members",
        869,
        "2021-12-31",
    )
    society5 = await registry.get(URL, params={"topic": "society5"}, headers=reviewer)
    assert [f["value"] for f in society5.json()["items"]] == [19, 8]
    h30 = await registry.get(URL, params={"fiscal_year": "H30"}, headers=reviewer)
    assert [f["key"] for f in h30.json()["items"]] == ["projects.selected.fy2018"]
    seen: list[str] = []
    url: str | None = f"{URL}?limit=5"
    while url:
        page = (await registry.get(url, headers=reviewer)).json()
        seen += [f["key"] for f in page["items"]]
        url = page["next"]
    assert seen == sorted([*PROJECT_KEYS, "platform.members"])
    bad = await registry.get(URL, params={"topic": "weather"}, headers=reviewer)
    assert bad.status_code == 422


FIGURE = {
    "key": "projects.supported.fy2022",
    "topic": "projects",
    "label": "支援を実施中の事業数",
    "value": 40,
    "unit": "事業",
    "fiscal_year": "R4",
    "as_of": "令和4年8月1日",
    "source": "内閣府地方創生推進事務局 資料（例）",
    "source_section": "概要",
}


async def test_operators_add_and_correct_a_figure_and_the_trail_keeps_both(
    registry: httpx.AsyncClient,
    session: AsyncSession,
    operator: dict[str, str],
    token: Callable[..., str],
) -> None:
    partner = bearer(token(Role.partner))
    assert (await registry.post(URL, json=FIGURE, headers=partner)).status_code == 403
    created = await registry.post(URL, json=FIGURE, headers=operator)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["fiscal_year"], body["fiscal_year_label"], body["as_of"]) == (
        2022,
        "令和4年度",
        "2022-08-01",
    )
    assert created.headers["Location"] == f"{URL}/{body['id']}"
    duplicate = await registry.post(URL, json=FIGURE, headers=operator)
    assert duplicate.status_code == 409
    assert [(e["field"], e["rule"]) for e in duplicate.json()["errors"]] == [("body.key", "unique")]
    assert duplicate.json()["figure_id"] == body["id"]

    url = f"{URL}/{body['id']}"
    assert (await registry.patch(url, json={"value": 41}, headers=operator)).status_code == 428
    read = await registry.get(url, headers=partner)
    assert (read.status_code, read.headers["ETag"]) == (200, created.headers["ETag"])
    nulled = await registry.patch(
        url, json={"label": None}, headers={**operator, "If-Match": read.headers["ETag"]}
    )
    assert [(e["field"], e["rule"]) for e in nulled.json()["errors"]] == [
        ("body.label", "not_null")
    ]
    corrected = await registry.patch(
        url,
        json={"value": 41, "derivation": "訂正: 41"},
        headers={**operator, "If-Match": read.headers["ETag"]},
    )
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["value"], corrected.json()["version"]) == (41, 2)
    assert corrected.headers["ETag"] != read.headers["ETag"]
    key_change = await registry.patch(
        url, json={"key": "x"}, headers={**operator, "If-Match": corrected.headers["ETag"]}
    )
    assert key_change.status_code == 422  # the key is stable

    events = (
        await session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.subject_type == "published_figure", AuditEvent.subject_id == body["id"]
            )
            .order_by(AuditEvent.id)
        )
    ).all()
    assert [e.action for e in events] == ["published_figure.created", "published_figure.updated"]
    assert events[1].before is not None and events[1].before["value"] == 40
    assert events[1].after is not None and events[1].after["value"] == 41
    assert events[1].actor.startswith("operator:")


async def test_the_seed_adds_what_is_missing_and_keeps_an_operators_correction(
    registry: httpx.AsyncClient, session: AsyncSession, operator: dict[str, str]
) -> None:
    await seed_figures(session)
    count = select(func.count()).select_from(PublishedFigure)
    assert await session.scalar(count) == 12
    figure = await session.scalar(
        select(PublishedFigure).where(PublishedFigure.key == "platform.members")
    )
    assert figure is not None
    url = f"{URL}/{figure.id}"
    etag = (await registry.get(url, headers=operator)).headers["ETag"]
    fixed = await registry.patch(
        url, json={"as_of_note": "訂正"}, headers={**operator, "If-Match": etag}
    )
    assert fixed.status_code == 200, fixed.text
    events = await session.scalar(select(func.count()).select_from(AuditEvent))
    await seed_figures(session)
    assert await session.scalar(count) == 12
    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert (await registry.get(url, headers=operator)).json()["as_of_note"] == "訂正"
