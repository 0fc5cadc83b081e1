"""ETags are per representation (issue 14, item 13).

A partner reads the public contact (no email, phone or suppression) and the public symposium (no
join URL). Its ETag must not move when only hidden fields change — else the ETag is an oracle for
them — and must differ from the full record's ETag, since it names another representation.
Writers still send the ETag of what they read; the strong comparison of If-Match refuses another
representation's ETag with 412.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from tests.fixtures.clients import bearer
from tests.notify.symposium_data import future_symposium
from tests.registry.test_contacts import CHICHIBU, add_local_governments, person
from tests.security.wiring import Wired


async def test_a_partner_contact_etag_ignores_the_fields_partners_do_not_see(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    await add_local_governments(session)
    registry = wired.clients["registry"]
    operator, service = bearer(token(Role.operator)), bearer(token(Role.service))
    partner = bearer(token(Role.partner))
    chichibu = bearer(token(Role.municipality, lg_code=CHICHIBU))
    made = await registry.post(
        "/v1/contacts", json=person(f"etag.{uuid.uuid4().hex[:8]}@example.jp"), headers=operator
    )
    assert made.status_code == 201, made.text
    url = f"/v1/contacts/{made.json()['id']}"

    async def etag(headers: dict[str, str]) -> str:
        response = await registry.get(url, headers=headers)
        assert response.status_code == 200, response.text
        return response.headers["ETag"]

    public = await etag(partner)
    assert public != await etag(operator)  # two representations, two ETags
    assert made.headers["ETag"] == await etag(operator)

    # Hidden changes: the phone, then the suppression state.
    phoned = await registry.patch(
        url, json={"phone": "03-0000-0000"}, headers={**chichibu, "If-Match": await etag(chichibu)}
    )
    assert phoned.status_code == 200, phoned.text
    assert phoned.headers["ETag"] == await etag(chichibu)
    suppressed = await registry.post(
        f"{url}/suppression", json={"state": "unsubscribed"}, headers=service
    )
    assert suppressed.status_code == 200, suppressed.text
    assert await etag(partner) == public

    # A change partners see moves their ETag.
    renamed = await registry.patch(
        url, json={"name": "改名 花子"}, headers={**operator, "If-Match": await etag(operator)}
    )
    assert renamed.status_code == 200, renamed.text
    assert await etag(partner) != public

    # If-Match compares strongly with the writer's own representation.
    stale = await registry.patch(
        url, json={"name": "x"}, headers={**operator, "If-Match": await etag(partner)}
    )
    assert stale.status_code == 412
    weak = await registry.patch(
        url, json={"name": "x"}, headers={**operator, "If-Match": f"W/{await etag(operator)}"}
    )
    assert weak.status_code == 412


async def test_symposium_etags_follow_the_representation_each_role_reads(
    wired: Wired, token: Callable[..., str]
) -> None:
    registry = wired.clients["registry"]
    operator = bearer(token(Role.operator))
    readers = {
        "partner": bearer(token(Role.partner)),
        "municipality": bearer(token(Role.municipality, lg_code=CHICHIBU)),
        "reviewer": bearer(token(Role.reviewer, programme="mirai-gijutsu")),
    }
    made = await registry.post(
        "/v1/symposia",
        json=future_symposium(join_url="https://meet.example.jp/room-1"),
        headers=operator,
    )
    assert made.status_code == 201, made.text
    url = f"/v1/symposia/{made.json()['id']}"
    full = (await registry.get(url, headers=operator)).headers["ETag"]
    assert full == made.headers["ETag"]
    public = {(await registry.get(url, headers=h)).headers["ETag"] for h in readers.values()}
    assert len(public) == 1  # one public representation, one ETag
    assert full not in public

    refused = await registry.patch(
        url, json={"theme": "x"}, headers={**operator, "If-Match": next(iter(public))}
    )
    assert refused.status_code == 412
    changed = await registry.patch(
        url, json={"theme": "新しいテーマ"}, headers={**operator, "If-Match": full}
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == (await registry.get(url, headers=operator)).headers["ETag"]
    assert changed.headers["ETag"] != full
