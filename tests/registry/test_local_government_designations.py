"""Designations (政令指定都市・中核市・中枢中核都市) as of a date: the seed's, the import (dry run,
commit, audit, the newest list wins), the export it round-trips with, and PATCH dating them."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from libs.common.fiscal_year import today_tokyo
from services.registry.audit.models import AuditEvent
from services.registry.local_governments.models import LocalGovernment
from services.registry.seed.local_governments import DESIGNATIONS_SOURCE, seed_local_governments
from tests.fixtures.clients import bearer
from tests.fixtures.world import add_local_government

URL = "/v1/local-governments"
IMPORTS = f"{URL}/designations/imports"
HEADER = "団体コード,団体名,中核市,中枢中核都市,基準日,出典"
LIST_2022 = "総務省 中核市一覧（令和4年4月1日現在）"


async def post_csv(
    registry: httpx.AsyncClient, headers: dict[str, str], text: str, **params: str
) -> httpx.Response:
    return await registry.post(
        IMPORTS,
        content=text.encode("utf-8"),
        params=params,
        headers={**headers, "Content-Type": "text/csv"},
    )


async def designations(registry: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, tuple]:
    items = (await registry.get(URL, headers=headers)).json()["items"]
    return {
        i["code"]: (
            i["is_designated_city"],
            i["is_core_city"],
            i["is_central_core_city"],
            i["designations_as_of"],
        )
        for i in items
    }


async def test_seed_states_the_official_designations_as_of_2021_04_01(
    registry: httpx.AsyncClient, token: Callable[..., str], session: AsyncSession
) -> None:
    await seed_local_governments(session)
    partner = bearer(token(Role.partner))
    day = "2021-04-01"
    assert await designations(registry, partner) == {
        "052159": (False, False, False, day),  # 仙北市
        "110001": (False, False, False, day),  # 埼玉県
        "112071": (False, False, False, day),  # 秩父市
        "162019": (False, True, True, day),  # 富山市
        "212016": (False, True, True, day),  # 岐阜市
        "220001": (False, False, False, day),  # 静岡県
        "342076": (False, True, True, day),  # 福山市
    }
    toyama = (await registry.get(f"{URL}/162019", headers=partner)).json()
    assert toyama["designations_source"] == DESIGNATIONS_SOURCE
    assert "中核市" in DESIGNATIONS_SOURCE and "中枢中核都市" in DESIGNATIONS_SOURCE
    event = await session.scalar(
        select(AuditEvent).where(
            AuditEvent.subject_id == "162019",
            AuditEvent.action == "local_government.designations_changed",
        )
    )
    assert event is not None and event.actor == "seed"
    assert event.after is not None and event.after["is_central_core_city"] is True

    versions = dict(
        (await session.execute(select(LocalGovernment.code, LocalGovernment.version))).all()
    )
    events = len((await session.scalars(select(AuditEvent))).all())
    await seed_local_governments(session)
    again = dict(
        (await session.execute(select(LocalGovernment.code, LocalGovernment.version))).all()
    )
    assert again == versions
    assert len((await session.scalars(select(AuditEvent))).all()) == events


async def test_a_dry_run_reports_and_writes_nothing_then_the_import_applies_and_audits(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    await seed_local_governments(session)
    # 秩父市 is made a 中枢中核都市 in an imagined 2022 list; 富山市 stays as it is.
    text = "\n".join(
        [
            HEADER,
            f"112071,秩父市,,○,2022-04-01,{LIST_2022}",
            f"162019,富山市,○,○,令和4年4月1日,{LIST_2022}",
            f"212016,岐阜市,1,true,2021-04-01,{DESIGNATIONS_SOURCE}",
            "",
        ]
    )
    etag = (await registry.get(f"{URL}/112071", headers=operator)).headers["ETag"]
    dry = await post_csv(registry, operator, text, dry_run="true")
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert (body["dry_run"], body["changed"], body["unchanged"], body["total"]) == (
        True,
        2,
        1,
        3,
    )
    by_code = {c["code"]: c for c in body["changes"]}
    assert by_code["112071"]["before"]["is_central_core_city"] is False
    assert by_code["112071"]["after"] == {
        "is_core_city": False,
        "is_central_core_city": True,
        "as_of": "2022-04-01",
        "source": LIST_2022,
    }
    # 富山市: same flags, a newer list: the date and source move.
    assert by_code["162019"]["after"]["as_of"] == "2022-04-01"
    assert (await registry.get(f"{URL}/112071", headers=operator)).headers["ETag"] == etag
    stored = await designations(registry, operator)
    assert stored["112071"] == (False, False, False, "2021-04-01")

    done = await post_csv(registry, operator, text)
    assert done.status_code == 200, done.text
    assert (done.json()["dry_run"], done.json()["changed"]) == (False, 2)
    chichibu = (await registry.get(f"{URL}/112071", headers=operator)).json()
    assert (chichibu["is_central_core_city"], chichibu["designations_as_of"]) == (
        True,
        "2022-04-01",
    )
    assert chichibu["designations_source"] == LIST_2022
    event = await session.scalar(
        select(AuditEvent).where(AuditEvent.subject_id == "112071").order_by(AuditEvent.id.desc())
    )
    assert event is not None and event.action == "local_government.designations_changed"
    assert event.actor.startswith("operator:")
    assert event.before is not None and event.before["designations_as_of"] == "2021-04-01"
    assert event.after is not None and event.after["designations_as_of"] == "2022-04-01"

    # The newest list wins: last year's file changes nothing that a newer list set.
    old = f"{HEADER}\n112071,秩父市,,,2021-04-01,{DESIGNATIONS_SOURCE}\n"
    kept = await post_csv(registry, operator, old)
    assert (kept.json()["kept_newer"], kept.json()["kept_newer_codes"], kept.json()["changed"]) == (
        1,
        ["112071"],
        0,
    )
    assert (await designations(registry, operator))["112071"][2] is True


async def test_a_bad_row_refuses_the_whole_file_naming_line_column_and_rule(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    await seed_local_governments(session)
    await add_local_government(session, "141003", "横浜市", kana="ヨコハマシ")
    text = "\n".join(
        [
            "団体コード,団体名,政令指定都市,中核市,中枢中核都市,基準日,出典",
            f"162019,富山市,,○,○,2022-04-01,{LIST_2022}",  # good
            f"110001,埼玉県,,○,,2022-04-01,{LIST_2022}",  # a prefecture is never 中核市
            f"141003,横浜市,,,○,2022-04-01,{LIST_2022}",  # 政令指定都市 from the code: missing
            f"112071,秩父市,,たぶん,,2022-04-01,{LIST_2022}",  # not a mark
            f"472018,那覇市,,○,,2022-04-01,{LIST_2022}",  # not registered
            "212016,岐阜県,,○,○,2022-04-31,",  # wrong name, no such date, no source
            f"162019,富山市,,○,○,2022-04-01,{LIST_2022}",  # twice
            "",
        ]
    )
    response = await post_csv(registry, operator, text)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["lines"] == [3, 4, 5, 6, 7, 8]
    assert {(e["field"], e["rule"]) for e in problem["errors"]} == {
        ("line[3].中核市", "kind"),
        ("line[4].政令指定都市", "designated_city"),
        ("line[5].中核市", "boolean"),
        ("line[6].団体コード", "not_registered"),
        ("line[7].団体名", "name_mismatch"),
        ("line[7].基準日", "date"),
        ("line[7].出典", "required"),
        ("line[8].団体コード", "duplicate"),
    }
    assert all(e["message"].startswith(f"{e['field'][5]}行目") for e in problem["errors"])
    # Nothing of the file was applied, not even its good first row.
    assert (await designations(registry, operator))["162019"][3] == "2021-04-01"
    missing = await post_csv(registry, operator, "団体コード,中核市\n162019,○\n")
    assert missing.json()["errors"][0]["rule"] == "missing_column"


async def test_the_export_imports_back_unchanged_and_only_operators_import(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    token: Callable[..., str],
    session: AsyncSession,
) -> None:
    await seed_local_governments(session)
    await add_local_government(session, "016381", "芽室町")  # from the code list: nothing dated
    partner = bearer(token(Role.partner))
    exported = await registry.get(f"{URL}/designations/export.csv", headers=partner)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "団体コード,団体名,政令指定都市,中核市,中枢中核都市,基準日,出典"
    assert f"162019,富山市,,○,○,2021-04-01,{DESIGNATIONS_SOURCE}" in lines
    assert "016381,芽室町,,,,," in lines
    files = {"file": ("designations.csv", exported.content, "text/csv")}
    undated = await registry.post(IMPORTS, files=files, headers=operator)
    assert undated.status_code == 422
    assert {(e["field"], e["rule"]) for e in undated.json()["errors"]} == {
        ("line[2].基準日", "required"),
        ("line[2].出典", "required"),
    }
    # The list the whole file is fills the empty cells; the dated rows keep their own.
    params = {"as_of": "2021-04-01", "source": DESIGNATIONS_SOURCE}
    back = await registry.post(IMPORTS, files=files, params=params, headers=operator)
    assert back.status_code == 200, back.text
    assert (back.json()["changed"], back.json()["unchanged"], back.json()["total"]) == (1, 7, 8)
    assert [c["code"] for c in back.json()["changes"]] == ["016381"]
    again = await registry.post(IMPORTS, files=files, params=params, headers=operator)
    assert (again.json()["changed"], again.json()["unchanged"]) == (0, 8)
    refused = await post_csv(registry, partner, "\n".join(lines))
    assert refused.status_code == 403


async def test_patching_a_flag_dates_it_today_unless_dated(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    await seed_local_governments(session)
    current = await registry.get(f"{URL}/112071", headers=operator)
    patched = await registry.patch(
        f"{URL}/112071",
        json={"is_core_city": True},
        headers={**operator, "If-Match": current.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert (body["is_core_city"], body["designations_as_of"], body["designations_source"]) == (
        True,
        today_tokyo().isoformat(),
        None,
    )
    dated = await registry.patch(
        f"{URL}/112071",
        json={
            "is_core_city": False,
            "designations_as_of": "令和3年4月1日",
            "designations_source": "x",
        },
        headers={**operator, "If-Match": patched.headers["ETag"]},
    )
    assert (dated.json()["designations_as_of"], dated.json()["designations_source"]) == (
        "2021-04-01",
        "x",
    )


async def test_a_designated_city_says_so_from_its_code(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    created = await registry.post(
        URL,
        json={"code": "141003", "name": "横浜市", "is_central_core_city": False},
        headers=operator,
    )
    assert created.status_code == 201, created.text
    assert (created.json()["kind"], created.json()["is_designated_city"]) == (
        "designated_city",
        True,
    )
    assert created.json()["designations_as_of"] is None  # nothing set, nothing dated
