"""Local governments on the real database through the API: codes, kinds, search, PATCH, imports."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from services.registry.audit.models import AuditEvent
from services.registry.local_governments.models import LocalGovernment
from services.registry.seed.local_governments import seed_local_governments
from tests.fixtures.clients import bearer
from tests.fixtures.world import add_local_government

URL = "/v1/local-governments"
OFFICIAL_HEADER = (
    "団体コード,都道府県名（漢字）,市区町村名（漢字）,都道府県名（カナ）,市区町村名（カナ）"
)


async def count_local_governments(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(LocalGovernment)) or 0)


@pytest.mark.parametrize(
    ("code", "name", "kind", "prefecture"),
    [
        ("112071", "秩父市", "city", "埼玉県"),
        ("130001", "東京都", "prefecture", "東京都"),
        ("131016", "千代田区", "special_ward", "東京都"),
        ("141003", "横浜市", "designated_city", "神奈川県"),
        ("141011", "鶴見区", "designated_city_ward", "神奈川県"),
        ("016381", "芽室町", "town_or_village", "北海道"),
    ],
)
async def test_create_derives_kind_and_prefecture(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    code: str,
    name: str,
    kind: str,
    prefecture: str,
) -> None:
    response = await registry.post(URL, json={"code": code, "name": name}, headers=operator)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["code"], body["kind"], body["prefecture"]) == (code, kind, prefecture)
    assert body["prefecture_code"] == code[:2]
    assert response.headers["ETag"] == f'"local-government-{code}-v1"'
    assert response.headers["Location"] == f"{URL}/{code}"
    assert body["created_at"].endswith("+09:00")


async def test_wrong_check_digit_names_the_expected_digit_and_stores_nothing(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    response = await registry.post(URL, json={"code": "112070", "name": "秩父市"}, headers=operator)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("body.code", "check_digit")
    assert "expected check digit 1" in error["message"]
    assert await count_local_governments(session) == 0


@pytest.mark.parametrize("code", ["11207", "991234", "abcdef"])
async def test_malformed_code_is_a_format_error(
    registry: httpx.AsyncClient, operator: dict[str, str], code: str
) -> None:
    response = await registry.post(URL, json={"code": code, "name": "x"}, headers=operator)
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("body.code", "format")]


async def test_full_width_code_and_half_width_kana_are_normalised(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    response = await registry.post(
        URL, json={"code": "１１２０７１", "name": "秩父市", "kana": "ﾁﾁﾌﾞｼ"}, headers=operator
    )
    assert response.status_code == 201
    assert (response.json()["code"], response.json()["kana"]) == ("112071", "チチブシ")


async def test_create_twice_is_a_conflict_and_partner_may_not_create(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    body = {"code": "112071", "name": "秩父市"}
    assert (await registry.post(URL, json=body, headers=operator)).status_code == 201
    assert (await registry.post(URL, json=body, headers=operator)).status_code == 409
    partner = bearer(token(Role.partner))
    assert (await registry.post(URL, json=body, headers=partner)).status_code == 403


async def test_prefecture_code_must_carry_the_prefecture_name(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    response = await registry.post(URL, json={"code": "110001", "name": "秩父市"}, headers=operator)
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "prefecture_name"


async def seed_saitama(session: AsyncSession) -> None:
    await add_local_government(session, "110001", "埼玉県", kana="サイタマケン")
    await add_local_government(session, "112071", "秩父市", kana="チチブシ")
    await add_local_government(session, "111007", "さいたま市", kana="サイタマシ")
    await add_local_government(session, "131016", "千代田区", kana="チヨダク")


async def codes(registry: httpx.AsyncClient, headers: dict[str, str], **params: str) -> list[str]:
    response = await registry.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


@pytest.mark.parametrize("q", ["ﾁﾁﾌﾞ", "ちちぶ", "チチブ", "秩父", "埼玉県 秩父市", "ﾁﾁﾌﾞｼ"])
async def test_search_finds_chichibu_by_kana_in_any_form(
    registry: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession, q: str
) -> None:
    await seed_saitama(session)
    assert await codes(registry, bearer(token(Role.partner)), q=q) == ["112071"]


async def test_filters_by_prefecture_code_or_name_and_kind(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    await seed_saitama(session)
    saitama = ["110001", "111007", "112071"]
    assert await codes(registry, operator, prefecture="11") == saitama
    assert await codes(registry, operator, prefecture="埼玉県") == saitama
    assert await codes(registry, operator, prefecture="埼玉") == saitama
    assert await codes(registry, operator, kind="prefecture") == ["110001"]
    assert await codes(registry, operator, kind="special_ward") == ["131016"]
    assert await codes(registry, operator, prefecture="13", kind="city") == []
    response = await registry.get(URL, params={"prefecture": "ムー大陸"}, headers=operator)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.prefecture"


async def test_cursor_pagination_walks_every_row_once(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    await seed_saitama(session)
    seen: list[str] = []
    url: str | None = f"{URL}?limit=3"
    while url:
        page = (await registry.get(url, headers=operator)).json()
        seen += [item["code"] for item in page["items"]]
        url = page["next"]
    assert seen == ["110001", "111007", "112071", "131016"]


async def test_get_one_has_an_etag_and_refuses_a_wrong_check_digit(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    await seed_saitama(session)
    response = await registry.get(f"{URL}/112071", headers=operator)
    assert response.status_code == 200
    assert response.headers["ETag"] == '"local-government-112071-v1"'
    assert response.json()["name"] == "秩父市"
    assert (await registry.get(f"{URL}/130001", headers=operator)).status_code == 404
    wrong = await registry.get(f"{URL}/112072", headers=operator)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["rule"] == "check_digit"


async def test_patch_needs_if_match_and_is_audited(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    await seed_saitama(session)
    change = {"kana": "ちちぶし", "is_core_city": False, "is_central_core_city": True}
    missing = await registry.patch(f"{URL}/112071", json=change, headers=operator)
    assert missing.status_code == 428
    stale = await registry.patch(
        f"{URL}/112071",
        json=change,
        headers={**operator, "If-Match": '"local-government-112071-v0"'},
    )
    assert stale.status_code == 412
    current = (await registry.get(f"{URL}/112071", headers=operator)).headers["ETag"]
    response = await registry.patch(
        f"{URL}/112071", json=change, headers={**operator, "If-Match": current}
    )
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"local-government-112071-v2"'
    assert (response.json()["kana"], response.json()["is_central_core_city"]) == ("チチブシ", True)
    event = await session.scalar(
        select(AuditEvent).where(AuditEvent.subject_id == "112071").order_by(AuditEvent.id.desc())
    )
    assert event is not None and event.action == "local_government.updated"
    assert event.before is not None and event.before["is_central_core_city"] is False
    assert event.after is not None and event.after["is_central_core_city"] is True


async def test_city_flags_are_refused_for_a_prefecture(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    await seed_saitama(session)
    response = await registry.patch(
        f"{URL}/110001", json={"is_core_city": True}, headers={**operator, "If-Match": "*"}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("body.is_core_city", "kind")


async def post_csv(
    registry: httpx.AsyncClient, headers: dict[str, str], data: bytes
) -> httpx.Response:
    return await registry.post(
        f"{URL}/imports", content=data, headers={**headers, "Content-Type": "text/csv"}
    )


OFFICIAL_CSV = "\n".join(
    [
        OFFICIAL_HEADER,
        "110001,埼玉県,,ｻｲﾀﾏｹﾝ,",
        "112071,埼玉県,秩父市,ｻｲﾀﾏｹﾝ,ﾁﾁﾌﾞｼ",
        "130001,東京都,,ﾄｳｷｮｳﾄ,",
        "131016,東京都,千代田区,ﾄｳｷｮｳﾄ,ﾁﾖﾀﾞｸ",
        "",
    ]
)


async def test_official_layout_with_bom_and_half_width_kana_is_imported(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    response = await post_csv(registry, operator, OFFICIAL_CSV.encode("utf-8-sig"))
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 4, "updated": 0, "unchanged": 0, "total": 4}
    tokyo = (await registry.get(f"{URL}/130001", headers=operator)).json()
    assert (tokyo["name"], tokyo["kind"], tokyo["kana"]) == ("東京都", "prefecture", "トウキョウト")
    chichibu = (await registry.get(f"{URL}/112071", headers=operator)).json()
    assert (chichibu["name"], chichibu["kana"], chichibu["kind"]) == ("秩父市", "チチブシ", "city")
    assert await codes(registry, operator, q="ちちぶ") == ["112071"]


async def test_reimport_is_idempotent_and_counts_changes(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    data = OFFICIAL_CSV.encode("utf-8")
    assert (await post_csv(registry, operator, data)).json()["created"] == 4
    again = await post_csv(registry, operator, data)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 4, "total": 4}
    assert (await registry.get(f"{URL}/112071", headers=operator)).headers["ETag"].endswith('-v1"')
    renamed = data.replace("ﾁﾖﾀﾞｸ".encode(), "ﾁﾖﾀﾞ ｸ".encode())
    third = await post_csv(registry, operator, renamed)
    assert third.json() == {"created": 0, "updated": 1, "unchanged": 3, "total": 4}


async def test_one_bad_row_refuses_the_whole_file(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    lines = OFFICIAL_CSV.splitlines()
    lines[2] = "112070,埼玉県,秩父市,ｻｲﾀﾏｹﾝ,ﾁﾁﾌﾞｼ"  # wrong check digit on line 3
    lines[4] = "131016,埼玉県,千代田区,ｻｲﾀﾏｹﾝ,千代田"  # wrong prefecture and kana on line 5
    response = await post_csv(registry, operator, "\n".join(lines).encode())
    assert response.status_code == 422
    problem = response.json()
    assert problem["lines"] == [3, 5]
    found = {(e["field"], e["rule"]) for e in problem["errors"]}
    assert found == {
        ("line[3].団体コード", "check_digit"),
        ("line[5].都道府県名（漢字）", "prefecture_mismatch"),
        ("line[5].市区町村名（カナ）", "katakana"),
    }
    check_digit = next(e for e in problem["errors"] if e["rule"] == "check_digit")
    assert "expected check digit 1" in check_digit["message"]
    assert check_digit["message"].startswith("3行目")
    assert await count_local_governments(session) == 0


async def test_duplicate_code_and_missing_column_are_refused(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    duplicate = OFFICIAL_CSV + "112071,埼玉県,秩父市,ｻｲﾀﾏｹﾝ,ﾁﾁﾌﾞｼ\n"
    response = await post_csv(registry, operator, duplicate.encode())
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("line[6].団体コード", "duplicate")
    ]
    no_code = await post_csv(registry, operator, "都道府県名,市区町村名\n埼玉県,秩父市\n".encode())
    assert no_code.status_code == 422
    assert no_code.json()["errors"][0]["rule"] == "missing_column"


async def test_simple_layout_in_shift_jis_as_a_multipart_file(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    text = (
        "code,都道府県名,市区町村名,カナ\r\n"
        "110001,埼玉県,,サイタマケン\r\n"
        "112071,埼玉県,秩父市,ﾁﾁﾌﾞｼ\r\n"
    )
    files = {"file": ("list.csv", text.encode("cp932"), "text/csv")}
    response = await registry.post(f"{URL}/imports", files=files, headers=operator)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2
    saitama = (await registry.get(f"{URL}/110001", headers=operator)).json()
    assert (saitama["name"], saitama["kana"]) == ("埼玉県", "サイタマケン")
    chichibu = (await registry.get(f"{URL}/112071", headers=operator)).json()
    assert chichibu["kana"] == "チチブシ"


async def test_import_refuses_other_media_types_and_other_roles(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    response = await registry.post(f"{URL}/imports", json={"csv": "x"}, headers=operator)
    assert response.status_code == 415
    municipality = bearer(token(Role.municipality, lg_code="112071"))
    refused = await post_csv(registry, municipality, OFFICIAL_CSV.encode())
    assert refused.status_code == 403


async def test_seed_local_governments_are_valid_and_idempotent(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    await seed_local_governments(session)
    await seed_local_governments(session)
    rows = (await registry.get(URL, headers=operator)).json()["items"]
    assert {r["code"]: (r["prefecture"], r["name"], r["kind"]) for r in rows} == {
        "052159": ("秋田県", "仙北市", "city"),
        "110001": ("埼玉県", "埼玉県", "prefecture"),
        "112071": ("埼玉県", "秩父市", "city"),
        "162019": ("富山県", "富山市", "city"),
        "212016": ("岐阜県", "岐阜市", "city"),
        "220001": ("静岡県", "静岡県", "prefecture"),
        "342076": ("広島県", "福山市", "city"),
    }
    versions = await session.scalars(select(LocalGovernment.version))
    # Created, then dated with the official designations (test_local_government_designations.py);
    # the second run changed nothing.
    assert set(versions) == {2}
