"""The joint review's questions to the registry, on top of the review service's typed client:
a grant scheme's rule values, a local government if it exists, the ☆ projects, a new project."""

from __future__ import annotations

from typing import Any

from libs.common.errors import NotFound, ServiceUnavailable
from services.review.registry_client import RegistryClient, RegistryRejected

Record = dict[str, Any]


async def grant_scheme(registry: RegistryClient, scheme_id: str) -> Record | None:
    return next((s for s in await registry.grant_schemes() if s["id"] == scheme_id), None)


async def local_government(registry: RegistryClient, code: str) -> Record | None:
    try:
        return await registry.local_government(code)
    except NotFound:
        return None


async def projects(registry: RegistryClient, **filters: Any) -> list[Record]:
    return [p async for p in registry.projects(**filters)]


async def create_project(registry: RegistryClient, body: Record, *, key: str) -> Record:
    """``POST /v1/projects`` with an Idempotency-Key, so a retried call creates one project."""
    response = await registry.client.post(
        "/v1/projects", json=body, headers={"Idempotency-Key": key}, idempotent=True
    )
    refused = (
        f"台帳サービスが事業を作成できませんでした（registry: create project: "
        f"{response.status_code} {response.text[:300]}）"
    )
    if response.status_code >= 500:
        raise ServiceUnavailable(refused)
    if response.status_code >= 400:
        raise RegistryRejected(refused, registry_status=response.status_code)
    created: Record = response.json()
    return created
