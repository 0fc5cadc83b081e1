"""Calls between services: timeouts, a service token, the caller's request id, bounded retries.

Retries (with exponential backoff) apply to idempotent calls only: GET/HEAD/PUT/DELETE, and POSTs
the caller marks idempotent because the receiving endpoint is keyed (a decision id, an
Idempotency-Key).
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

# httpx's transport (httpcore) runs on anyio, which imports its asyncio backend on a client's
# first request: a dozen modules, tens of milliseconds (more where no bytecode is kept), paid by
# the first call a process makes to a peer — in a worker, inside its first job, on the event loop
# every job shares. Imported here instead, with the rest of the process's start-up.
import anyio._backends._asyncio  # noqa: F401
import httpx
import structlog

from libs.common.auth import Role, mint_token
from libs.common.errors import ServiceUnavailable
from libs.common.logging import REQUEST_ID_HEADER, current_request_id
from libs.common.settings import Settings
from libs.common.tracing import inject_headers

log = structlog.get_logger(__name__)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRYABLE_STATUS = frozenset({502, 503, 504})


class ServiceClient:
    """An httpx client for one peer service, authenticated as the calling service."""

    def __init__(
        self,
        settings: Settings,
        target: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_seconds: float = 0.2,
    ) -> None:
        self.settings = settings
        self.target = target
        self.backoff_seconds = backoff_seconds
        self._client = httpx.AsyncClient(
            base_url=settings.url_of(target),
            timeout=httpx.Timeout(settings.http_timeout_seconds),
            transport=transport,
        )

    def _headers(self) -> dict[str, str]:
        token = mint_token(
            self.settings, role=Role.service, subject=self.settings.service, ttl_seconds=300
        )
        headers = {"Authorization": f"Bearer {token}"}
        if request_id := current_request_id():
            headers[REQUEST_ID_HEADER] = request_id
        return inject_headers(headers)

    async def request(
        self, method: str, url: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send, retrying connection failures and 502/503/504 when the call is idempotent."""
        retry = idempotent if idempotent is not None else method.upper() in IDEMPOTENT_METHODS
        attempts = 1 + (self.settings.http_retries if retry else 0)
        for attempt in range(1, attempts + 1):
            try:
                response = await self._client.request(
                    method, url, headers={**self._headers(), **kwargs.pop("headers", {})}, **kwargs
                )
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                if attempt == attempts:
                    raise ServiceUnavailable(
                        f"{self.target} から応答がありません（{self.target} did not answer "
                        f"{method} {url}: {type(exc).__name__}）",
                        service=self.target,
                    ) from exc
            else:
                if response.status_code not in RETRYABLE_STATUS or attempt == attempts:
                    return response
            delay = self.backoff_seconds * 2 ** (attempt - 1) * (1 + random.random() / 2)
            log.info("service_call_retry", target=self.target, url=url, attempt=attempt)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, *, idempotent: bool = False, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, idempotent=idempotent, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", url, **kwargs)

    async def aclose(self) -> None:
        await self._client.aclose()
