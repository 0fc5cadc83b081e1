"""What notify asks the registry: a symposium, its audience, a contact; and what it tells it:
suppressions to record and a symposium's capacity."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from libs.common.errors import Conflict, NotFound, ServiceUnavailable
from libs.common.http import ServiceClient


class RegistryClient:
    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def symposium(self, symposium_id: uuid.UUID) -> dict[str, Any]:
        response = await self.client.get(f"/v1/symposia/{symposium_id}")
        if response.status_code == 404:
            raise NotFound(
                f"シンポジウム {symposium_id} は台帳にありません"
                f"（symposium {symposium_id} is not in the registry）"
            )
        _raise_for_status(response.status_code, response.text)
        body: dict[str, Any] = response.json()
        return body

    async def contact(self, contact_id: uuid.UUID) -> dict[str, Any]:
        """The registry's contact: where a personal link's holder is written to now."""
        response = await self.client.get(f"/v1/contacts/{contact_id}")
        if response.status_code == 404:
            raise NotFound(
                f"連絡先 {contact_id} は台帳にありません"
                f"（contact {contact_id} is not in the registry）"
            )
        _raise_for_status(response.status_code, response.text)
        body: dict[str, Any] = response.json()
        return body

    async def audience(
        self, symposium_id: uuid.UUID, page_size: int = 1000
    ) -> AsyncIterator[dict[str, Any]]:
        """Every resolved, unsuppressed, de-duplicated contact, page by page."""
        url: str | None = f"/v1/symposia/{symposium_id}/audience?limit={page_size}"
        while url:
            response = await self.client.get(url)
            _raise_for_status(response.status_code, response.text)
            page = response.json()
            for contact in page["items"]:
                yield contact
            url = page.get("next")

    async def set_capacity(self, symposium_id: uuid.UUID, capacity: int | None) -> dict[str, Any]:
        """The registry keeps the one capacity; notify sets it once it has checked attendance.
        Setting the same value twice changes nothing there."""
        path = f"/v1/symposia/{symposium_id}/capacity"
        response = await self.client.put(path, json={"capacity": capacity})
        if response.status_code in (404, 409):
            body: dict[str, Any] = response.json()
            raise (NotFound if response.status_code == 404 else Conflict)(body["detail"])
        _raise_for_status(response.status_code, response.text)
        symposium: dict[str, Any] = response.json()
        return symposium

    async def record_suppression(self, *, email: str, state: str, reason: str) -> None:
        """Idempotent on the registry's side: the same state twice changes nothing."""
        response = await self.client.post(
            "/v1/contacts/suppressions",
            json={"email": email, "state": state, "reason": reason},
            idempotent=True,
        )
        if response.status_code == 404:
            return  # an address the registry does not know: nothing to suppress there
        _raise_for_status(response.status_code, response.text)


def _raise_for_status(status: int, text: str) -> None:
    if status >= 400:
        raise ServiceUnavailable(
            f"台帳サービスが {status} を返しました（registry answered {status}: {text[:300]}）",
            service="registry",
        )
