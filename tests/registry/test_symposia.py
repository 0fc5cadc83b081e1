"""Symposia through the API on real PostgreSQL: JST times, ICS sequence, the audience, the seed,
held once they have ended (the daily sweep), a format only where one is stated."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from services.registry.audit.models import AuditEvent
from services.registry.contacts.models import Contact
from services.registry.local_governments.models import LocalGovernment
from services.registry.seed.symposia import seed_symposia
from services.registry.symposia.models import Symposium
from tests.fixtures.clients import bearer

CHICHIBU = "112071"


def symposium(**fields: Any) -> dict[str, Any]:
    return {
        "fiscal_year": "Ｒ２２",
        "number": 9,
        "theme": "テスト",
        "starts_at": "2040-11-05T13:30:00",
        "ends_at": "2040-11-05T15:00:00",
        "audience": ["local_government", "school"],
        **fields,
    }


async def add_contacts(session: AsyncSession) -> dict[str, Contact]:
    """Contacts of several categories: one suppressed, two sharing an address in another case."""
    session.add(
        LocalGovernment(
            code=CHICHIBU,
            name="秩父市",
            prefecture_code="11",
            prefecture="埼玉県",
            kind="city",
            search_key="秩父市",
        )
    )
    await session.flush()  # no relationship orders it before the contacts that refer to it
    rows = {
        "city": Contact(
            name="市の職員", email="city@example.jp", stakeholder_category="local_government"
        ),
        "city_twin": Contact(  # the same mailbox, held apart by another owner
            name="同じ人",
            email="City@example.jp",
            stakeholder_category="local_government",
            lg_code=CHICHIBU,
        ),
        "prefecture": Contact(
            name="県の職員",
            email="pref@example.jp",
            stakeholder_category="local_government",
            lg_code=CHICHIBU,
        ),
        "gone": Contact(
            name="配信停止",
            email="gone@example.jp",
            stakeholder_category="local_government",
            suppression="unsubscribed",
        ),
        "ministry": Contact(
            name="国の職員", email="kuni@example.jp", stakeholder_category="national_government"
        ),
        "school": Contact(name="先生", email="school@example.jp", stakeholder_category="school"),
        "company": Contact(
            name="社員", email="company@example.jp", stakeholder_category="private_company"
        ),
        "resident": Contact(
            name="住民代表",
            email="resident@example.jp",
            stakeholder_category="resident_representative",
        ),
        "other": Contact(name="その他", email="other@example.jp", stakeholder_category="other"),
    }
    for contact in rows.values():
        contact.organisation = ""
        contact.search_key = ""
        session.add(contact)
    await session.flush()
    return rows


async def audience(
    registry: httpx.AsyncClient, headers: dict[str, str], symposium_id: str, limit: int = 1000
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url: str | None = f"/v1/symposia/{symposium_id}/audience?limit={limit}"
    while url:
        response = await registry.get(url, headers=headers)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        url = response.json()["next"]
    return items


async def test_create_takes_any_fiscal_year_form_and_answers_in_jst(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    created = await registry.post(
        "/v1/symposia",
        json=symposium(starts_at="2040-11-05T04:30:00Z", ends_at="2040-11-05T06:00:00Z"),
        headers=operator,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["fiscal_year"], body["fiscal_year_label"]) == (2040, "令和22年度")
    assert body["starts_at"] == "2040-11-05T13:30:00+09:00"
    assert body["ends_at"] == "2040-11-05T15:00:00+09:00"
    assert (body["format"], body["status"], body["sequence"]) == ("web", "scheduled", 0)

    naive = await registry.post("/v1/symposia", json=symposium(number=10), headers=operator)
    assert naive.json()["starts_at"] == "2040-11-05T13:30:00+09:00"
    duplicate = await registry.post("/v1/symposia", json=symposium(), headers=operator)
    assert duplicate.status_code == 409
    backwards = await registry.post(
        "/v1/symposia", json=symposium(number=11, ends_at="2040-11-05T13:00:00"), headers=operator
    )
    assert backwards.json()["errors"][0]["field"] == "body.ends_at"
    outside = await registry.post(
        "/v1/symposia",
        json=symposium(number=12, starts_at="2041-04-01T10:00:00", ends_at="2041-04-01T11:00:00"),
        headers=operator,
    )
    assert (outside.json()["errors"][0]["field"], outside.json()["errors"][0]["rule"]) == (
        "body.starts_at",
        "within_fiscal_year",
    )
    bad_year = await registry.post(
        "/v1/symposia", json=symposium(fiscal_year="令和ゼロ年度"), headers=operator
    )
    assert bad_year.json()["errors"][0]["field"] == "body.fiscal_year"
    bad_audience = await registry.post(
        "/v1/symposia", json=symposium(number=13, audience=["press"]), headers=operator
    )
    assert bad_audience.status_code == 422

    listed = await registry.get(
        "/v1/symposia", params={"fiscal_year": "令和22年度"}, headers=operator
    )
    assert [s["number"] for s in listed.json()["items"]] == [9, 10]
    none = await registry.get("/v1/symposia", params={"fiscal_year": "R2"}, headers=operator)
    assert none.json()["items"] == []


async def test_sequence_rises_on_time_change_not_on_theme_change(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    created = await registry.post("/v1/symposia", json=symposium(), headers=operator)
    url = f"/v1/symposia/{created.json()['id']}"

    assert (await registry.patch(url, json={"theme": "新"}, headers=operator)).status_code == 428
    stale = await registry.patch(url, json={"theme": "新"}, headers={**operator, "If-Match": '"x"'})
    assert stale.status_code == 412

    theme = await registry.patch(
        url, json={"theme": "新テーマ"}, headers={**operator, "If-Match": created.headers["ETag"]}
    )
    assert theme.status_code == 200
    assert (theme.json()["theme"], theme.json()["sequence"]) == ("新テーマ", 0)
    same_time = await registry.patch(
        url,
        json={"starts_at": "2040-11-05T04:30:00+00:00"},
        headers={**operator, "If-Match": theme.headers["ETag"]},
    )
    assert same_time.json()["sequence"] == 0  # the same instant written another way
    moved = await registry.patch(
        url,
        json={"starts_at": "2040-11-05T14:00:00", "ends_at": "2040-11-05T15:30:00+09:00"},
        headers={**operator, "If-Match": same_time.headers["ETag"]},
    )
    assert moved.status_code == 200
    assert moved.json()["sequence"] == 1
    assert moved.json()["starts_at"] == "2040-11-05T14:00:00+09:00"
    url_change = await registry.patch(
        url,
        json={"join_url": "https://meet.example.jp/abc", "format": "hybrid"},
        headers={**operator, "If-Match": moved.headers["ETag"]},
    )
    assert url_change.json()["sequence"] == 2
    backwards = await registry.patch(
        url,
        json={"ends_at": "2040-11-05T13:00:00"},
        headers={**operator, "If-Match": url_change.headers["ETag"]},
    )
    assert backwards.status_code == 422

    cancelled = await registry.post(
        f"{url}/cancellation", json={"reason": "中止"}, headers=operator
    )
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["sequence"]) == ("cancelled", 3)
    assert cancelled.json()["cancellation_reason"] == "中止"
    again = await registry.post(f"{url}/cancellation", headers=operator)
    assert again.json()["sequence"] == 3
    frozen = await registry.patch(
        url, json={"theme": "x"}, headers={**operator, "If-Match": again.headers["ETag"]}
    )
    assert frozen.status_code == 409
    # The seed's internal `correct` is never offered to a caller.
    assert (frozen.json()["state"], frozen.json()["allowed_events"]) == ("cancelled", ["cancel"])


async def test_partner_reads_without_join_url_and_cannot_pull_the_audience(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    created = await registry.post(
        "/v1/symposia", json=symposium(join_url="https://meet.example.jp/x"), headers=operator
    )
    partner = bearer(token(Role.partner))
    public = await registry.get(f"/v1/symposia/{created.json()['id']}", headers=partner)
    assert public.status_code == 200
    assert "join_url" not in public.json()
    assert public.json()["theme"] == "テスト"
    full = await registry.get(f"/v1/symposia/{created.json()['id']}", headers=operator)
    assert full.json()["join_url"] == "https://meet.example.jp/x"
    assert full.headers["ETag"] == created.headers["ETag"]
    denied = await registry.get(f"/v1/symposia/{created.json()['id']}/audience", headers=partner)
    assert denied.status_code == 403


async def test_fourth_fy2021_symposium_invites_only_local_government_contacts(
    registry: httpx.AsyncClient, session: AsyncSession, token: Callable[..., str]
) -> None:
    await seed_symposia(session)
    contacts = await add_contacts(session)
    service = bearer(token(Role.service))
    listed = await registry.get("/v1/symposia", params={"fiscal_year": "2021"}, headers=service)
    by_number = {s["number"]: s for s in listed.json()["items"]}

    fourth = await audience(registry, service, by_number[4]["id"])
    assert all(item["stakeholder_category"] == "local_government" for item in fourth)
    assert sorted(item["email"].lower() for item in fourth) == [
        "city@example.jp",
        "pref@example.jp",
    ]
    assert set(fourth[0]) == {
        "id",
        "name",
        "email",
        "organisation",
        "stakeholder_category",
        "lg_code",
    }
    pref = next(item for item in fourth if item["email"] == "pref@example.jp")
    assert (pref["id"], pref["lg_code"]) == (str(contacts["prefecture"].id), CHICHIBU)

    first = await audience(registry, service, by_number[1]["id"], limit=2)
    assert sorted(item["email"].lower() for item in first) == [
        "city@example.jp",
        "company@example.jp",
        "kuni@example.jp",
        "pref@example.jp",
        "resident@example.jp",
        "school@example.jp",
    ]

    # A bounce on either record of a shared address removes the address.
    contacts["city_twin"].suppression = "bounced"
    await session.flush()
    fourth = await audience(registry, service, by_number[4]["id"])
    assert [item["email"] for item in fourth] == ["pref@example.jp"]


async def test_seed_holds_the_documented_symposia_and_runs_twice_unchanged(
    registry: httpx.AsyncClient, session: AsyncSession, operator: dict[str, str]
) -> None:
    await seed_symposia(session)
    fy2021 = (await registry.get("/v1/symposia?fiscal_year=R3", headers=operator)).json()["items"]
    assert [
        (s["number"], s["theme"], s["starts_at"], s["ends_at"], s["tentative"]) for s in fy2021
    ] == [
        (1, "物流・農業", "2021-10-01T13:30:00+09:00", "2021-10-01T15:00:00+09:00", False),
        (2, "MaaS・自動運転", "2021-10-26T14:00:00+09:00", "2021-10-26T15:30:00+09:00", False),
        (3, "ヘルスケア", "2021-12-16T13:30:00+09:00", "2021-12-16T15:00:00+09:00", False),
        (4, "共通の課題", "2022-02-17T13:30:00+09:00", "2022-02-17T15:00:00+09:00", True),
    ]
    everyone = [
        "national_government",
        "local_government",
        "school",
        "private_company",
        "resident_representative",
    ]
    assert [s["audience"] for s in fy2021] == [everyone, everyone, everyone, ["local_government"]]
    # ※web開催予定 is stated for FY2021 only; FY2020's 開催実績 states no format.
    assert {(s["format"], s["join_url"], s["capacity"]) for s in fy2021} == {("web", None, None)}
    fy2020 = (await registry.get("/v1/symposia?fiscal_year=令和2年度", headers=operator)).json()
    assert [(s["theme"], s["starts_at"], s["ends_at"], s["format"]) for s in fy2020["items"]] == [
        ("ドローン", "2020-12-04T10:00:00+09:00", "2020-12-04T11:30:00+09:00", None),
        ("自動運転", "2020-12-23T10:00:00+09:00", "2020-12-23T11:45:00+09:00", None),
        ("スマート農業", "2021-02-17T10:00:00+09:00", "2021-02-17T11:45:00+09:00", None),
    ]
    # All seven ended before today: they took place, so they are held (the real clock decides).
    assert {s["status"] for s in fy2021 + fy2020["items"]} == {"held"}

    versions = dict((await session.execute(select(Symposium.id, Symposium.version))).all())
    events = await session.scalar(select(func.count()).select_from(AuditEvent))
    await seed_symposia(session)
    assert dict((await session.execute(select(Symposium.id, Symposium.version))).all()) == versions
    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert len(versions) == 7


async def test_capacity_is_set_by_notify_only_and_a_patch_naming_it_is_refused(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    created = await registry.post("/v1/symposia", json=symposium(capacity=30), headers=operator)
    url = f"/v1/symposia/{created.json()['id']}"
    patched = await registry.patch(
        url, json={"capacity": 50}, headers={**operator, "If-Match": created.headers["ETag"]}
    )
    assert patched.status_code == 422
    assert [(e["field"], e["rule"]) for e in patched.json()["errors"]] == [
        ("body.capacity", "capacity_set_in_notify")
    ]
    assert "PUT /v1/symposia/{id}/capacity" in patched.json()["errors"][0]["message"]
    by_operator = await registry.put(f"{url}/capacity", json={"capacity": 50}, headers=operator)
    assert by_operator.status_code == 403

    notify = bearer(token(Role.service, subject="notify"))
    raised = await registry.put(f"{url}/capacity", json={"capacity": 50}, headers=notify)

    assert raised.status_code == 200, raised.text
    assert (raised.json()["capacity"], raised.json()["sequence"]) == (50, 0)
    assert (await registry.get(url, headers=operator)).json()["capacity"] == 50
    unlimited = await registry.put(f"{url}/capacity", json={"capacity": None}, headers=notify)
    assert unlimited.json()["capacity"] is None
    audit = await registry.get(
        f"/v1/audit?subject=symposium:{created.json()['id']}", headers=operator
    )
    changes = [e for e in audit.json()["items"] if e["action"] == "symposium.updated"]
    assert sorted(str(e["after"]["capacity"]) for e in changes) == ["50", "None"]
    assert {e["actor"] for e in changes} == {"service:notify"}
