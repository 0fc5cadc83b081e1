"""What the review service asks the registry, typed, over HTTP (never its code or tables).

Both reviews use it: continuation review (cohorts, councils, contacts, term changes) and the joint
review (programmes, grant schemes, local governments). Answers are the registry's JSON as dicts;
failures become the kernel's typed errors, so an endpoint's caller sees a problem+json.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from libs.common.errors import Conflict, DomainError, NotFound, ServiceUnavailable
from libs.common.http import ServiceClient
from libs.common.settings import Settings

JSON = dict[str, Any]


class RegistryRejected(DomainError):
    """The registry refused a call for a reason the caller cannot fix by retrying (a 4xx)."""

    status, slug, title = 502, "registry-rejected", "台帳サービスが要求を拒否しました"


def _relative(next_url: str) -> str:
    """The path and query of a ``next`` link, so paging follows our base URL, not the peer's
    host."""
    parts = urlsplit(next_url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)[:300]
    return str(body)[:300]


def _check(response: httpx.Response, what: str) -> None:
    """Map the registry's answer to a typed error; 2xx passes."""
    status = response.status_code
    if status < 400:
        return
    detail = f"台帳サービスが {status} を返しました: {_detail(response)}（registry: {what}）"
    if status == 404:
        raise NotFound(detail)
    if status == 409:
        raise Conflict(detail, registry_status=status)
    if status < 500:
        raise RegistryRejected(detail, registry_status=status)
    raise ServiceUnavailable(detail, service="registry", registry_status=status)


class RegistryClient:
    """Typed calls to the registry; one instance per process (it holds a connection pool)."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    @classmethod
    def from_settings(
        cls, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> RegistryClient:
        return cls(ServiceClient(settings, "registry", transport=transport))

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _get(self, url: str, what: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        response = await self.client.get(url, params=query or None)
        _check(response, what)
        return response.json()

    async def _pages(self, url: str, what: str, **params: Any) -> AsyncIterator[JSON]:
        """Every item of a paginated list, following ``next`` links."""
        page = await self._get(url, what, **params)
        while True:
            for item in page["items"]:
                yield item
            if not page.get("next"):
                return
            page = await self._get(_relative(page["next"]), what)

    def projects(self, **filters: Any) -> AsyncIterator[JSON]:
        """Projects matching the registry's list filters (``status``, ``supported_as_of``,
        ``fiscal_year``, ``programme``, ``prefecture``, ``technology``, ``q``), page by page."""
        return self._pages("/v1/projects", "list projects", limit=200, **filters)

    async def project(self, project_id: uuid.UUID | str) -> JSON:
        body: JSON = await self._get(f"/v1/projects/{project_id}", f"project {project_id}")
        return body

    async def council(self, project_id: uuid.UUID | str) -> JSON | None:
        """The project's council (地域実装協議会), or None when it has none."""
        try:
            body: JSON = await self._get(
                f"/v1/projects/{project_id}/council", f"council of {project_id}"
            )
        except NotFound:
            return None
        return body

    async def contacts(self, project_id: uuid.UUID | str) -> list[JSON]:
        """Every contact linked to the project (with e-mail: we call as a service)."""
        return [
            c
            async for c in self._pages(
                "/v1/contacts", f"contacts of {project_id}", project_id=str(project_id), limit=200
            )
        ]

    async def _term_change(self, url: str, body: JSON, what: str) -> JSON:
        # Idempotent by decision id on the registry's side, so retries are safe.
        response = await self.client.post(url, json=body, idempotent=True)
        _check(response, what)
        result: JSON = response.json()
        return result

    async def extend_term(
        self,
        project_id: uuid.UUID | str,
        *,
        decision_id: str,
        reason: str,
        decided_on: str | None = None,
    ) -> JSON:
        """Extend the support term by two fiscal years; the registry's ``TermChangeOut``."""
        body = {"decision_id": decision_id, "reason": reason}
        if decided_on is not None:
            body["decided_on"] = decided_on
        return await self._term_change(
            f"/v1/projects/{project_id}/term-extensions", body, f"extend term of {project_id}"
        )

    async def end_terms(self, items: list[JSON]) -> list[JSON]:
        """End support of up to 500 projects in one call (``project_id``, ``decision_id``,
        ``reason``, ``effective_on``); one outcome per item, applied, replayed or refused."""
        body = await self._term_change("/v1/projects/term-ends", {"items": items}, "end terms")
        outcomes: list[JSON] = body["items"]
        return outcomes

    async def grant_schemes(self) -> list[JSON]:
        return [g async for g in self._pages("/v1/grant-schemes", "grant schemes", limit=200)]

    async def programmes(self) -> list[JSON]:
        return [p async for p in self._pages("/v1/programmes", "programmes", limit=200)]

    async def local_government(self, code: str) -> JSON:
        body: JSON = await self._get(f"/v1/local-governments/{code}", f"local government {code}")
        return body
