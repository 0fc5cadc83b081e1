"""Redis as a managed service offers it: ``rediss://`` with a CA of its own, read alike by every
client (the queue, the rate limits, the CLI's check), and ``maxmemory-policy`` other than
``noeviction`` refused for the queue outside development — against real redis-servers."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import typer
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError

from libs.common.metrics import ServiceMetrics
from libs.common.queue import connect, redis_settings
from libs.common.rate_limits import RateLimiter
from libs.common.redis_options import (
    EvictingRedis,
    eviction_policy,
    redis_client,
    redis_target,
    require_noeviction,
)
from libs.common.settings import Settings, load_settings
from services.cli_support import _redis_answers, refuse_evicting_redis
from tests.managed.servers import Certificates, redis_server

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates.issue(tmp_path_factory.mktemp("redis-tls"))


@pytest.fixture(scope="module")
def tls_port(tmp_path_factory: pytest.TempPathFactory, certificates: Certificates) -> Iterator[int]:
    directory = tmp_path_factory.mktemp("redis-tls-server")
    with redis_server(directory, policy="noeviction", certificates=certificates) as port:
        yield port


@pytest.fixture(scope="module")
def evicting_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis-lru"), policy="allkeys-lru") as port:
        yield f"redis://127.0.0.1:{port}/0"


def _tls_url(
    port: int, certificates: Certificates, ca_file: Path | None = None, **more: str
) -> str:
    """Trusting ``ca_file`` (the certificates' CA by default), with the certificates' client
    certificate: the server asks for one (servers.redis_server)."""
    query = {
        "ssl_ca_certs": str(ca_file or certificates.ca_file),
        "ssl_certfile": str(certificates.client_cert_file),
        "ssl_keyfile": str(certificates.client_key_file),
        **more,
    }
    return f"rediss://127.0.0.1:{port}/0?{urlencode(query)}"


def _settings(redis_url: str, environment: str = "test") -> Settings:
    keys = {"jwt_secret": secrets.token_urlsafe(48), "link_secret": secrets.token_urlsafe(48)}
    return load_settings("registry", redis_url=redis_url, environment=environment, **keys)


async def test_every_client_speaks_tls_with_the_ca_in_the_url(
    tls_port: int, certificates: Certificates
) -> None:
    url = _tls_url(tls_port, certificates)
    client = redis_client(url)
    try:
        assert await client.ping()
    finally:
        await client.aclose()
    queue = await connect(url)  # the workers', the scheduler's and the apps' (health) pool
    try:
        assert await queue.ping()
    finally:
        await queue.aclose()
    limiter = RateLimiter(_settings(url), ServiceMetrics("registry"))
    assert limiter.storage is not None and await limiter.storage.check()
    await limiter.close()
    await _redis_answers(url)  # the CLI's check before a command


async def test_a_server_certificate_from_another_ca_is_refused(
    tls_port: int, certificates: Certificates, tmp_path: Path
) -> None:
    stranger = Certificates.issue(tmp_path / "other-ca")
    client = redis_client(_tls_url(tls_port, certificates, stranger.ca_file))
    try:
        with pytest.raises(RedisConnectionError, match="certificate verify failed"):
            await client.ping()
    finally:
        await client.aclose()


def test_tls_options_are_typed_and_checked_by_name(certificates: Certificates) -> None:
    target = redis_target(_tls_url(6380, certificates, ssl_cert_reqs="required"))
    assert target.url == "rediss://127.0.0.1:6380/0"
    assert target.tls == {
        "ssl_ca_certs": str(certificates.ca_file),
        "ssl_certfile": str(certificates.client_cert_file),
        "ssl_keyfile": str(certificates.client_key_file),
        "ssl_cert_reqs": "required",
        "ssl_check_hostname": True,  # verified by default, unlike redis-py's default
    }
    unchecked = redis_target("rediss://h/0?ssl_check_hostname=false")
    assert unchecked.tls["ssl_check_hostname"] is False
    arq = redis_settings(_tls_url(6380, certificates))
    assert (arq.ssl, arq.ssl_ca_certs, arq.ssl_check_hostname) == (
        True,
        str(certificates.ca_file),
        True,
    )
    assert redis_target("redis://h:6379/2?socket_timeout=3").tls == {}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://h/0?ssl_ca_certs=/ca.pem", "need a rediss:// URL"),
        ("rediss://h/0?ssl_cert_reqs=maybe", "ssl_cert_reqs must be one of"),
        ("rediss://h/0?ssl_verify=yes", "ssl_verify is not a TLS option"),
        ("rediss://h/0?ssl_check_hostname=perhaps", "ssl_check_hostname must be true or false"),
    ],
)
def test_tls_options_that_cannot_work_are_refused_by_settings(url: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _settings(url)


async def test_the_eviction_policy_is_read_with_info(evicting_url: str) -> None:
    client = redis_client(evicting_url)
    try:
        assert await eviction_policy(client) == "allkeys-lru"
        with pytest.raises(EvictingRedis, match="maxmemory-policy is allkeys-lru"):
            await require_noeviction(client, "production")
        await require_noeviction(client, "development")  # logged, not refused
    finally:
        await client.aclose()


async def test_a_noeviction_redis_is_accepted_in_production(
    tls_port: int, certificates: Certificates
) -> None:
    client = redis_client(_tls_url(tls_port, certificates))
    try:
        await require_noeviction(client, "production")
    finally:
        await client.aclose()


def test_a_worker_refuses_to_start_on_an_evicting_redis(
    evicting_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(typer.Exit) as exit_:
        refuse_evicting_redis(_settings(evicting_url, environment="production"))
    assert exit_.value.exit_code == 2
    line = capsys.readouterr().err.strip()
    assert "\n" not in line and "maxmemory-policy is allkeys-lru" in line
    refuse_evicting_redis(_settings(evicting_url, environment="development"))
