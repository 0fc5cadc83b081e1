"""PostgreSQL over TLS from libpq's names in DATABASE_URL (``sslmode``, ``sslrootcert``), against
a local PostgreSQL that accepts TLS connections only, with a throwaway CA's certificate."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from libs.common.db import create_engine, tls_argument
from libs.common.migrations import upgrade
from libs.common.settings import load_settings
from tests.managed.servers import Certificates, tls_postgres

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates.issue(tmp_path_factory.mktemp("postgres-tls"))


@pytest.fixture(scope="module")
def tls_server(certificates: Certificates) -> Iterator[str]:
    with tls_postgres(certificates) as url:
        yield url


def _with(url: str, **params: str) -> str:
    return f"{url}?{urlencode(params)}"


async def _uses_tls(database_url: str) -> bool:
    engine = create_engine(load_settings("registry", database_url=database_url), pool_size=1)
    try:
        async with engine.connect() as connection:
            query = text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            return bool(await connection.scalar(query))
    finally:
        await engine.dispose()


async def test_verify_full_with_the_right_ca_connects_over_tls(
    tls_server: str, certificates: Certificates
) -> None:
    url = _with(tls_server, sslmode="verify-full", sslrootcert=str(certificates.ca_file))
    assert await _uses_tls(url)


async def test_verify_full_with_another_ca_refuses_the_server(
    tls_server: str, tmp_path: Path
) -> None:
    stranger = Certificates.issue(tmp_path / "other-ca")
    url = _with(tls_server, sslmode="verify-full", sslrootcert=str(stranger.ca_file))
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        await _uses_tls(url)


async def test_require_encrypts_and_disable_is_refused_by_a_tls_only_server(
    tls_server: str,
) -> None:
    assert await _uses_tls(_with(tls_server, sslmode="require"))
    with pytest.raises(Exception, match=r"pg_hba\.conf"):
        await _uses_tls(_with(tls_server, sslmode="disable"))


async def test_a_client_certificate_and_asyncpg_s_own_ssl_parameter(
    tls_server: str, certificates: Certificates
) -> None:
    """template1 accepts only a client certificate the CA signed for the user (pg_hba ``cert``)."""
    on_template1 = tls_server.rsplit("/", 1)[0] + "/template1"
    with pytest.raises(Exception, match="certificate"):
        await _uses_tls(_with(on_template1, sslmode="require"))
    client = {"sslcert": str(certificates.client_cert_file)}
    client["sslkey"] = str(certificates.client_key_file)
    root = str(certificates.ca_file)
    assert await _uses_tls(_with(on_template1, sslmode="verify-full", sslrootcert=root, **client))
    assert await _uses_tls(_with(tls_server, ssl="require"))  # asyncpg's name, passed through


async def test_migrations_connect_over_tls(tls_server: str, certificates: Certificates) -> None:
    url = _with(tls_server, sslmode="verify-full", sslrootcert=str(certificates.ca_file))
    await upgrade("registry", url)
    engine = create_engine(load_settings("registry", database_url=url), pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT version_num FROM registry.alembic_version"))
    finally:
        await engine.dispose()


def test_libpq_meanings_of_the_modes(certificates: Certificates) -> None:
    root = str(certificates.ca_file)
    assert tls_argument({"sslmode": "disable"}) is False
    assert tls_argument({"sslmode": "prefer"}) == "prefer"
    unchecked = tls_argument({"sslmode": "require"})
    assert isinstance(unchecked, ssl.SSLContext) and unchecked.verify_mode == ssl.CERT_NONE
    # libpq: require with a root certificate verifies the chain, as verify-ca does.
    chain = tls_argument({"sslmode": "require", "sslrootcert": root})
    assert isinstance(chain, ssl.SSLContext) and chain.verify_mode == ssl.CERT_REQUIRED
    assert not chain.check_hostname
    full = tls_argument({"sslmode": "verify-full", "sslrootcert": root})
    assert isinstance(full, ssl.SSLContext) and full.check_hostname


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sslmode": "verify_full"}, "sslmode must be one of"),
        ({"sslmode": "prefer", "sslrootcert": "ca.pem"}, "would fall back to a plain connection"),
        ({"sslmode": "verify-full", "sslrootcert": "/nonexistent/ca.pem"}, "cannot be read"),
    ],
)
def test_tls_parameters_that_cannot_work_are_refused_by_name(
    params: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        tls_argument(params)


def test_an_engine_is_refused_before_connecting() -> None:
    url = _with("postgresql://postgres@127.0.0.1:1/x", sslmode="verify-full", sslrootcert="/no")
    with pytest.raises(ValueError, match="DATABASE_URL sslrootcert"):
        create_engine(load_settings("registry", database_url=url))
