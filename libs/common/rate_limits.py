"""Inbound rate limits, kept in Redis so every replica counts against the same budget.

Three classes of request, each with its own setting (``limits`` notation, e.g. ``30/minute``;
several separated by ``;``; empty: no limit):

- ``RATE_LIMIT_AUTHENTICATED`` — a request with a valid bearer token, keyed by the token's role
  and subject (one budget per caller wherever it calls from; many callers behind one address do
  not share one). Generous by default (6000/minute): it stops a runaway client, not normal work.
  Service tokens (our own processes calling each other inside the cluster) are not limited.
- ``RATE_LIMIT_UNAUTHENTICATED`` — failed authentication, keyed by client address: each 401 to a
  request that presented a bearer token which did not verify counts, and once the budget is spent
  every request from that address presenting such a token is refused until the window moves on.
  Token guessing is slowed to the budget. A request without any ``Authorization`` header guesses
  nothing and is never held up (probes, /docs, the RSVP and unsubscribe pages a colleague behind
  the same office NAT opens), and callers with a valid token are never held up either.
- ``RATE_LIMIT_PUBLIC`` — the pages opened from letters without a login (RSVP, unsubscribe), keyed
  by client address; a route declares it with ``Depends(public_link_limit)``.

A refusal is 429 problem+json with ``Retry-After`` and the IETF ``RateLimit-Policy`` /
``RateLimit`` fields (draft-ietf-httpapi-ratelimit-headers-10: ``"name";q=N;w=S`` and
``"name";r=REMAINING;t=SECONDS``). Every limited answer carries ``RateLimit-Policy``; ``RateLimit``
(what remains) is on refusals and the public pages — on authenticated calls it would cost a second
Redis round trip per request, so they carry the policy only.

The client address is uvicorn's (``FORWARDED_ALLOW_IPS`` decides whose ``X-Forwarded-For`` is
believed): behind the ingress it is the caller's, not the controller's.

**Library**: the ``limits`` package (its asyncio Redis storage on redis-py, already our client, and
its sliding-window-counter strategy: two counters per key, no per-request entries, no burst at a
window edge). slowapi, built on the same package, was not taken: it limits per decorated endpoint,
and what is limited here is decided before routing (any endpoint may answer 401) and keyed by the
verified token.

**Redis unavailable**: the limits fail open — the request is served, ``rate_limits_unavailable``
is logged once per outage and ``jisso_rate_limit_unchecked_total`` counts what went unchecked;
for the next few seconds Redis is not asked at all, so an outage costs no latency. Throttling is a
protection, not a dependency: losing Redis must not take the API down with it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import structlog
from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from libs.common.auth import Role, decode_token
from libs.common.errors import DomainError, problem_base_of, problem_response
from libs.common.metrics import ServiceMetrics
from libs.common.redis_options import redis_target
from libs.common.settings import Settings

log = structlog.get_logger(__name__)
KEY_PREFIX = "jisso:ratelimit"
# After Redis fails, it is left alone this long: requests pass unchecked instead of each waiting.
RETRY_REDIS_SECONDS = 5.0
REDIS_TIMEOUT_SECONDS = 0.5
_STATE_KEY = "rate_limit_headers"
# Service tokens are minted by our own processes for calls inside the cluster (review, notify and
# the workers asking the registry, at the pace of a campaign or a sweep): not limited.
_INTERNAL = "internal"
_NO_CREDENTIALS = "anonymous"


class TooManyRequests(DomainError):
    status, slug, title = 429, "too-many-requests", "リクエストが多すぎます"


@dataclass(frozen=True)
class Policy:
    """One class of request and its limits."""

    name: str
    items: tuple[RateLimitItem, ...]

    @classmethod
    def parse(cls, name: str, notation: str) -> Policy:
        return cls(name, tuple(parse_many(notation)) if notation.strip() else ())

    def item_name(self, index: int) -> str:
        return self.name if index == 0 else f"{self.name}-{index}"

    def policy_field(self) -> str:
        return ", ".join(
            f'"{self.item_name(i)}";q={item.amount};w={item.get_expiry()}'
            for i, item in enumerate(self.items)
        )


@dataclass(frozen=True)
class Verdict:
    """What the limiter decided for one request: the headers to add, and a refusal if any."""

    headers: tuple[tuple[str, str], ...] = ()
    retry_after: int | None = None


class RateLimiter:
    """The three policies of one app over one Redis, failing open when Redis is away."""

    def __init__(self, settings: Settings, metrics: ServiceMetrics) -> None:
        self.metrics = metrics
        self._skip_until = 0.0
        self.public = Policy.parse("public", settings.rate_limit_public)
        self.authenticated = Policy.parse("authenticated", settings.rate_limit_authenticated)
        self.unauthenticated = Policy.parse("unauthenticated", settings.rate_limit_unauthenticated)
        self.storage: RedisStorage | None = None
        if not settings.redis_url:  # an app built only for its OpenAPI document
            return
        target = redis_target(settings.redis_url)  # TLS as every client has it
        self.storage = RedisStorage(
            f"async+{target.url}",
            implementation="redispy",
            **target.tls,
            wrap_exceptions=True,
            key_prefix=KEY_PREFIX,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)

    async def hit(self, policy: Policy, key: str, *, report: bool) -> Verdict:
        """Count one request; ``report`` adds what remains (a second round trip)."""
        if not policy.items or not self._available():
            return Verdict()
        try:
            for index, item in enumerate(policy.items):
                if not await self.strategy.hit(item, policy.name, key):
                    return await self._refusal(policy, index, key)
            remaining = await self._remaining(policy, key) if report else ()
        except Exception as exc:
            return self._unchecked(exc)
        return Verdict(headers=(("RateLimit-Policy", policy.policy_field()), *remaining))

    async def check(self, policy: Policy, key: str) -> Verdict:
        """Refuse when the budget is spent, without counting this request."""
        if not policy.items or not self._available():
            return Verdict()
        try:
            for index, item in enumerate(policy.items):
                if not await self.strategy.test(item, policy.name, key):
                    return await self._refusal(policy, index, key)
        except Exception as exc:
            return self._unchecked(exc)
        return Verdict()

    async def count(self, policy: Policy, key: str) -> None:
        """Count one request after the fact (a failed authentication)."""
        if time.monotonic() < self._skip_until:
            return  # Redis is away: this request was already counted as unchecked
        await self.hit(policy, key, report=False)

    async def _remaining(self, policy: Policy, key: str) -> tuple[tuple[str, str], ...]:
        fields = []
        for index, item in enumerate(policy.items):
            stats = await self.strategy.get_window_stats(item, policy.name, key)
            reset = max(0, math.ceil(stats.reset_time - time.time()))
            fields.append(f'"{policy.item_name(index)}";r={stats.remaining};t={reset}')
        return (("RateLimit", ", ".join(fields)),)

    async def _refusal(self, policy: Policy, index: int, key: str) -> Verdict:
        stats = await self.strategy.get_window_stats(policy.items[index], policy.name, key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        self.metrics.rate_limited.labels(self.metrics.service, policy.name).inc()
        headers = (
            ("Retry-After", str(retry_after)),
            ("RateLimit-Policy", policy.policy_field()),
            ("RateLimit", f'"{policy.item_name(index)}";r=0;t={retry_after}'),
        )
        return Verdict(headers=headers, retry_after=retry_after)

    def _available(self) -> bool:
        if self.storage is None:
            return False
        if time.monotonic() >= self._skip_until:
            if self._skip_until:
                self._skip_until = 0.0
                log.info("rate_limits_restored")
            return True
        self.metrics.rate_limit_unchecked.labels(self.metrics.service).inc()
        return False

    def _unchecked(self, exc: Exception) -> Verdict:
        self._skip_until = time.monotonic() + RETRY_REDIS_SECONDS
        self.metrics.rate_limit_unchecked.labels(self.metrics.service).inc()
        log.warning(
            "rate_limits_unavailable",
            error=str(exc) or type(exc).__name__,
            unchecked_for_seconds=RETRY_REDIS_SECONDS,
        )
        return Verdict()

    async def close(self) -> None:
        # limits has no close: the redis-py client its bridge holds is closed directly.
        client = getattr(self.storage.bridge, "storage", None) if self.storage else None
        if client is not None:
            await client.aclose()


def too_many_requests(verdict: Verdict) -> TooManyRequests:
    detail = (
        f"リクエストが多すぎます。{verdict.retry_after} 秒後に再試行してください"
        f"（rate limit exceeded; retry after {verdict.retry_after} s）"
    )
    return TooManyRequests(detail, headers=dict(verdict.headers))


class RateLimitMiddleware:
    """The authenticated and unauthenticated classes, decided before routing (pure ASGI)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, settings: Settings) -> None:
        self.app = app
        self.limiter = limiter
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        subject = self._subject(scope)
        address = _client_address(scope)
        if subject in (_INTERNAL, _NO_CREDENTIALS):
            verdict = Verdict()
        elif subject is not None:
            verdict = await self.limiter.hit(self.limiter.authenticated, subject, report=False)
        else:
            verdict = await self.limiter.check(self.limiter.unauthenticated, address)
        if verdict.retry_after is not None:
            error = too_many_requests(verdict)
            body = error.to_problem(scope["path"], base=problem_base_of(scope))
            response = problem_response(429, body, error.headers)
            await response(scope, receive, send)
            return
        status = 0
        state = scope.setdefault("state", {})  # where public_link_limit leaves its fields

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                added = [*verdict.headers, *state.get(_STATE_KEY, ())]
                if added:
                    message.setdefault("headers", [])
                    message["headers"] += [(k.lower().encode(), v.encode()) for k, v in added]
            await send(message)

        await self.app(scope, receive, send_with_headers)
        if status == 401 and subject is None:
            await self.limiter.count(self.limiter.unauthenticated, address)

    def _subject(self, scope: Scope) -> str | None:
        """``role:subject`` of a valid bearer token; None for credentials that do not verify;
        ``_NO_CREDENTIALS`` without an ``Authorization`` header (verified tokens are cached)."""
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() != "bearer" or not token:
                    return None
                try:
                    principal = decode_token(self.settings, token.strip())
                except DomainError:
                    return None
                if principal.role is Role.service:
                    return _INTERNAL
                return f"{principal.role}:{principal.subject}"
        return _NO_CREDENTIALS


def _client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def public_link_limit(request: Request) -> None:
    """Dependency of the pages opened from letters without a login: per client address."""
    limiter: RateLimiter = request.app.state.rate_limiter
    verdict = await limiter.hit(limiter.public, _client_address(request.scope), report=True)
    if verdict.retry_after is not None:
        raise too_many_requests(verdict)
    request.scope.setdefault("state", {})[_STATE_KEY] = verdict.headers
