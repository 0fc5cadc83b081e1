"""出席者名簿: everyone invited to a symposium with their answer, place in line and invitation
letter, in the organiser's order, as JSON pages and as CSV and XLSX whose cells never become
formulas; operators only. Letters go out through real SMTP (committed rows, removed after)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import openpyxl
import pytest

from libs.common.auth import Role
from libs.common.settings import Settings
from libs.common.spreadsheet import as_written
from services.notify.deliveries.sender import send_due
from tests.notify.committed_world import World
from tests.notify.symposium_data import (
    create_contact,
    create_symposium,
    future_symposium,
    local_government_staff,
    operator,
)
from tests.notify.test_campaign_report import hard_bounce
from tests.notify.test_campaigns import approve, draft
from tests.notify.test_rsvp import answer, links_for

FORMULA_NAME = '=HYPERLINK("https://evil.example/","クリック")'
HEADERS = [
    "連絡先ID",
    "氏名",
    "メールアドレス",
    "出欠",
    "キャンセル待ち順",
    "回答日時",
    "案内メールの状態",
]


async def invited_and_answered(
    world: World, token: Callable[..., str], settings: Settings
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Capacity 1; 職員2, 職員1, 職員0 accept in that order (attending, waitlisted 1st and 2nd),
    the formula-named contact declines, 職員3's letter bounces and they never answer."""
    symposium = await world.symposium(future_symposium(capacity=1))
    staff = await world.staff(4)
    formula = await create_contact(
        world.registry, token, name=FORMULA_NAME, email=f"formula.{world.tag}@city.example.jp"
    )
    world.contact_ids.append(formula["id"])
    invitation = await draft(world.notify, token, symposium["id"], "invitation")
    assert (await approve(world.notify, token, invitation["id"])).status_code == 200
    assert await send_due(world.ctx) == {"sent": 5}
    await hard_bounce(world.notify, token, staff[3]["email"])
    for person, choice in (
        (staff[2], "attend"),
        (staff[1], "attend"),
        (staff[0], "attend"),
        (formula, "decline"),
    ):
        await answer(world.notify, links_for(settings, person, symposium)[choice], choice)
    order = [staff[2], staff[1], staff[0], formula, staff[3]]
    return symposium, order


async def all_pages(notify: httpx.AsyncClient, token: Callable[..., str], url: str) -> list[Any]:
    items: list[Any] = []
    next_url: str | None = url
    pages = 0
    while next_url:
        response = await notify.get(next_url, headers=operator(token))
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        next_url = response.json()["next"]
        pages += 1
    assert pages == 3  # 2 + 2 + 1
    return items


async def test_the_attendee_list_orders_by_answer_then_line_then_name_in_json_csv_and_xlsx(
    world: World, token: Callable[..., str], make_settings: Callable[..., Settings]
) -> None:
    symposium, order = await invited_and_answered(world, token, make_settings("notify"))
    base = f"/v1/symposia/{symposium['id']}/attendees"

    items = await all_pages(world.notify, token, f"{base}?limit=2")

    assert [i["contact_id"] for i in items] == [p["id"] for p in order]
    assert [i["email"] for i in items] == [p["email"] for p in order]
    assert [(i["rsvp"], i["waitlist_position"], i["delivery_state"]) for i in items] == [
        ("attending", None, "sent"),
        ("waitlisted", 1, "sent"),
        ("waitlisted", 2, "sent"),
        ("declined", None, "sent"),
        ("no_answer", None, "bounced"),
    ]
    assert items[3]["name"] == FORMULA_NAME
    assert [i["answered_at"] is not None for i in items] == [True] * 4 + [False]

    check_csv(await world.notify.get(f"{base}.csv", headers=operator(token)), symposium, order)
    check_xlsx(await world.notify.get(f"{base}.xlsx", headers=operator(token)), symposium, order)


def check_csv(
    csv_response: httpx.Response, symposium: dict[str, Any], order: list[dict[str, Any]]
) -> None:
    assert csv_response.status_code == 200, csv_response.text
    assert csv_response.headers["content-type"].startswith("text/csv")
    disposition = csv_response.headers["content-disposition"]
    assert f'filename="attendees-{symposium["id"]}.csv"' in disposition
    assert "filename*=UTF-8''" in disposition
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert [r[0] for r in rows[1:]] == [p["id"] for p in order]
    assert [(r[3], r[4], r[6]) for r in rows[1:]] == [
        ("出席", "", "送信済み"),
        ("キャンセル待ち", "1", "送信済み"),
        ("キャンセル待ち", "2", "送信済み"),
        ("欠席", "", "送信済み"),
        ("未回答", "", "不達"),
    ]
    # The name is text: marked with an apostrophe, read back as written.
    assert rows[4][1] == "'" + FORMULA_NAME
    assert as_written(rows[4][1]) == FORMULA_NAME
    assert rows[1][5].endswith("+09:00")


def check_xlsx(
    xlsx_response: httpx.Response, symposium: dict[str, Any], order: list[dict[str, Any]]
) -> None:
    assert xlsx_response.status_code == 200, xlsx_response.text
    assert (
        f'filename="attendees-{symposium["id"]}.xlsx"'
        in (xlsx_response.headers["content-disposition"])
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_response.content)).active
    assert sheet is not None and sheet.title == "出席者名簿"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADERS
    assert [v[0] for v in values[1:]] == [p["id"] for p in order]
    assert [(v[3], v[4]) for v in values[1:]] == [
        ("出席", None),
        ("キャンセル待ち", 1),
        ("キャンセル待ち", 2),
        ("欠席", None),
        ("未回答", None),
    ]
    name_cell = sheet.cell(row=5, column=2)
    assert (name_cell.value, name_cell.data_type) == (FORMULA_NAME, "s")  # not 'f'
    assert name_cell.quotePrefix


async def test_an_answer_without_an_approved_invitation_is_listed_and_a_draft_invites_nobody(
    world: World, token: Callable[..., str], make_settings: Callable[..., Settings]
) -> None:
    symposium = await world.symposium(future_symposium())
    staff = await world.staff(2)
    await draft(world.notify, token, symposium["id"], "invitation")  # never approved
    links = links_for(make_settings("notify"), staff[0], symposium)
    await answer(world.notify, links["decline"], "decline")

    response = await world.notify.get(
        f"/v1/symposia/{symposium['id']}/attendees", headers=operator(token)
    )

    assert response.status_code == 200, response.text
    (only,) = response.json()["items"]
    assert (only["contact_id"], only["rsvp"], only["delivery_state"]) == (
        staff[0]["id"],
        "declined",
        None,
    )
    assert response.json()["next"] is None


@pytest.mark.parametrize("suffix", ["", ".csv", ".xlsx"])
@pytest.mark.parametrize(
    ("role", "claims", "status"),
    [
        (Role.operator, {}, 200),
        (Role.municipality, {"lg_code": "112071"}, 403),
        (Role.partner, {}, 403),
        (Role.reviewer, {"programme": "mirai-gijutsu"}, 403),
        (None, {}, 401),
    ],
)
async def test_only_operators_read_the_attendee_list(
    registry: httpx.AsyncClient,
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    suffix: str,
    role: Role | None,
    claims: dict[str, str],
    status: int,
) -> None:
    symposium = await create_symposium(registry, token, future_symposium())
    await local_government_staff(registry, token, 1, uuid.uuid4().hex[:8])
    headers = {} if role is None else {"Authorization": f"Bearer {token(role, **claims)}"}

    response = await notify.get(
        f"/v1/symposia/{symposium['id']}/attendees{suffix}", headers=headers
    )

    assert response.status_code == status, response.text
    if status != 200:
        assert response.headers["content-type"].startswith("application/problem+json")
    elif suffix == "":
        assert response.json() == {"items": [], "next": None}
    elif suffix == ".csv":
        assert response.content.decode("utf-8-sig").splitlines() == [",".join(HEADERS)]


async def test_a_cursor_from_another_list_is_a_422(
    notify: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    response = await notify.get(
        f"/v1/symposia/{uuid.uuid4()}/attendees?cursor=abc.def", headers=operator(token)
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.cursor"
