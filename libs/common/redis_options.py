"""Every Redis client's options from its one ``REDIS_URL`` — the queue's (arq), the rate limits',
the health checks' and the CLI's — and the queue's need for ``maxmemory-policy noeviction``.

**TLS**: a ``rediss://`` URL, its query naming redis-py's TLS options (``ssl_ca_certs``,
``ssl_certfile``, ``ssl_keyfile``, ``ssl_cert_reqs``, ``ssl_check_hostname``). redis-py hands a
query parameter it does not know through as a string, unchecked, and arq's
``RedisSettings.from_dsn`` reads none of them, so they are read here once, typed and checked, and
given to each client as keywords. The host name is checked by default (redis-py's default is not
to): a managed Redis's certificate names it; ``ssl_check_hostname=false`` turns that off.

**Eviction**: a Redis that evicts keys under memory pressure drops queued jobs without a trace
(their outbox rows say published). The policy is read with ``INFO memory``, which managed
services allow where they forbid ``CONFIG GET``; outside development and test an evicting policy
is refused (``EvictingRedis``), in development it is logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import structlog
from redis.asyncio import Redis

log = structlog.get_logger(__name__)

CERT_REQS = ("none", "optional", "required")
_TEXT_OPTIONS = ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile")
_TRUTH = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
SAFE_POLICY = "noeviction"


class EvictingRedis(RuntimeError):
    """The queue's Redis may evict keys: jobs would vanish."""


@dataclass(frozen=True)
class RedisTarget:
    """A Redis URL without its TLS parameters, and those as client keywords (redis-py's names,
    which arq's ``RedisSettings`` shares)."""

    url: str
    tls: dict[str, Any] = field(default_factory=dict)


def redis_target(url: str) -> RedisTarget:
    """``url`` read: a ``ValueError`` naming the parameter and the rule when it cannot work."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = {name: value for name, value in query if name.startswith("ssl_")}
    rest = [(name, value) for name, value in query if not name.startswith("ssl_")]
    plain = urlunsplit(parts._replace(query=urlencode(rest)))
    if parts.scheme != "rediss":
        if given:
            raise ValueError(
                f"REDIS_URL {', '.join(sorted(given))} need a rediss:// URL (TLS), "
                f"not {parts.scheme}://"
            )
        return RedisTarget(plain)
    return RedisTarget(plain, _tls_options(given))  # the scheme itself says TLS to both clients


def _tls_options(given: dict[str, str]) -> dict[str, Any]:
    options: dict[str, Any] = {"ssl_check_hostname": True}
    for name, value in given.items():
        if name in _TEXT_OPTIONS or (name == "ssl_cert_reqs" and value in CERT_REQS):
            options[name] = value
        elif name == "ssl_cert_reqs":
            raise ValueError(f"REDIS_URL ssl_cert_reqs must be one of {', '.join(CERT_REQS)}")
        elif name == "ssl_check_hostname" and value.lower() in _TRUTH:
            options[name] = _TRUTH[value.lower()]
        elif name == "ssl_check_hostname":
            raise ValueError("REDIS_URL ssl_check_hostname must be true or false")
        else:
            known = ", ".join([*_TEXT_OPTIONS, "ssl_cert_reqs", "ssl_check_hostname"])
            raise ValueError(f"REDIS_URL {name} is not a TLS option ({known})")
    if options.get("ssl_cert_reqs") == "none":
        options["ssl_check_hostname"] = False  # nothing verified, no name to check
    return options


def redis_client(url: str, **options: Any) -> Redis:
    """A redis-py client for ``url``; ``options`` are redis-py's (timeouts …)."""
    target = redis_target(url)
    return Redis.from_url(target.url, **target.tls, **options)


async def eviction_policy(client: Redis) -> str:
    memory = await client.info("memory")
    return str(memory.get("maxmemory_policy", "unknown"))


async def require_noeviction(client: Redis, environment: str) -> None:
    """Refuse (``EvictingRedis``, one line) a Redis that may evict the queue's keys, outside
    development and test; in those, log it."""
    policy = await eviction_policy(client)
    if policy == SAFE_POLICY:
        return
    message = (
        f"Redis maxmemory-policy is {policy}: under memory pressure it drops queued jobs; set it "
        f"to {SAFE_POLICY} (docs/operations.md, Running on managed services)"
    )
    if environment in ("development", "test"):
        log.warning("redis_evicts", policy=policy, environment=environment)
        return
    raise EvictingRedis(f"{message} (ENVIRONMENT={environment})")
