"""Async SQLAlchemy 2 engine and sessions; one schema per service (transactions:
unit_of_work.py).

Connection options (``engine_options``) serve the apps, the workers, the CLI and the migrations
alike. Two are for managed PostgreSQL (docs/operations.md, "Running on managed services"):

- ``DATABASE_POOLER=transaction``, behind PgBouncer in transaction mode: a server connection
  is lent for one transaction only, so nothing may outlive a transaction on it — asyncpg's
  statement caches are off and SQLAlchemy names each prepared statement uniquely (another
  client's statement of the same name may sit on the server connection), and reads run in a
  transaction rather than in autocommit (``unit_of_work.read_only``), whose prepare and execute
  could otherwise reach two different server connections.
- TLS from libpq's own names in ``DATABASE_URL``'s query (``sslmode``, ``sslrootcert``,
  ``sslcert``, ``sslkey``), the form providers document. SQLAlchemy hands every query parameter
  to ``asyncpg.connect`` as a keyword, which has none of these names, and asyncpg's own reader of
  them (``connect_utils``) is private: written here, as the one ``ssl`` argument asyncpg takes.
"""

from __future__ import annotations

import ssl
import time
import uuid
from enum import StrEnum
from typing import Any

from asyncpg.exceptions import (
    InterfaceError,
    InternalClientError,
    OperatorInterventionError,
    PostgresConnectionError,
)
from pydantic_core import from_json
from sqlalchemy import Enum, MetaData, event, exc, make_url
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from libs.common.settings import Settings
from libs.common.tracing import instrument_engine

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata(schema: str) -> MetaData:
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> str:
    """Accept the plain libpq form too: ``postgresql://`` becomes ``postgresql+asyncpg://``."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


# libpq's TLS parameters (https://www.postgresql.org/docs/current/libpq-connect.html).
LIBPQ_TLS = ("sslmode", "sslrootcert", "sslcert", "sslkey")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def engine_options(
    database_url: str, *, pooler: str = "none", application_name: str = "jisso"
) -> tuple[str, dict[str, Any]]:
    """The URL SQLAlchemy gets (libpq's TLS names taken out) and the engine's options for it:
    ``connect_args`` with TLS as asyncpg's ``ssl`` and the caches off behind a transaction-mode
    pooler, and the JSON decoder."""
    url = make_url(async_url(database_url))
    tls = {name: str(url.query[name]) for name in LIBPQ_TLS if name in url.query}
    connect_args: dict[str, Any] = {"server_settings": {"application_name": application_name}}
    if tls:
        connect_args["ssl"] = tls_argument(tls)
    if pooler == "transaction":
        connect_args.update(
            statement_cache_size=0,  # asyncpg's own
            prepared_statement_cache_size=0,  # SQLAlchemy's adapter's
            prepared_statement_name_func=_unique_statement_name,
        )
    plain = url.difference_update_query(LIBPQ_TLS)
    # JSON columns (a project's proposers, a contact's links) decoded in one call of
    # pydantic_core's parser rather than three Python frames of json.loads per value.
    options = {"connect_args": connect_args, "json_deserializer": from_json}
    return plain.render_as_string(hide_password=False), options


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


def tls_argument(params: dict[str, str]) -> ssl.SSLContext | str | bool:
    """asyncpg's ``ssl`` for libpq's parameters, with libpq's meaning: ``require`` encrypts
    without checking the certificate unless a root certificate is given (then it is
    ``verify-ca``), ``verify-full`` also checks the host name; without ``sslrootcert`` the
    system's CA store verifies."""
    mode = params.get("sslmode", "prefer")
    if mode not in SSL_MODES:
        raise ValueError(
            f"DATABASE_URL sslmode must be one of {', '.join(SSL_MODES)}, not {mode!r}"
        )
    root, cert, key = params.get("sslrootcert"), params.get("sslcert"), params.get("sslkey")
    if mode == "disable":
        return False
    if mode in ("allow", "prefer"):
        if root or cert:
            raise ValueError(
                f"DATABASE_URL sslrootcert/sslcert need sslmode=require, verify-ca or "
                f"verify-full (sslmode={mode} would fall back to a plain connection)"
            )
        return mode
    verify = mode != "require" or root is not None
    try:
        context = ssl.create_default_context(cafile=root)
        if cert:
            context.load_cert_chain(cert, key)
    except OSError as error:
        raise ValueError(
            f"DATABASE_URL sslrootcert/sslcert/sslkey cannot be read: {error}"
        ) from None
    context.check_hostname = mode == "verify-full"
    if not verify:
        context.verify_mode = ssl.CERT_NONE
    return context


def create_engine(settings: Settings, **kwargs: Any) -> AsyncEngine:
    if not settings.database_url:
        raise RuntimeError("DATABASE_URL is not set (jisso up sets it for the embedded servers)")
    url, options = engine_options(
        settings.database_url,
        pooler=settings.database_pooler,
        application_name=f"jisso-{settings.service}",
    )
    options.update(pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
    options.update(kwargs)
    engine = create_async_engine(url, **options)
    event.listen(engine.sync_engine, "handle_error", _server_closed_connection)
    event.listen(engine.sync_engine.pool, "checkout", _check_connection)
    event.listen(engine.sync_engine.pool, "checkin", _note_idle_since)
    instrument_engine(engine)
    return engine


IDLE_PING_SECONDS = 5.0


def _note_idle_since(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


def _check_connection(
    dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
) -> None:
    """A cheaper ``pool_pre_ping``, whose ping costs three round trips (BEGIN, ``;``, ROLLBACK)
    on every checkout — as many as a whole read. A connection whose socket the server closed is
    replaced without any; one idle for longer than ``IDLE_PING_SECONDS`` (long enough to have
    been dropped unnoticed, by a firewall or a failover) is pinged first. Raising
    ``DisconnectionError`` makes the pool discard it and check out another."""
    idle = time.monotonic() - record.info.get("idle_since", time.monotonic())
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("the server closed the connection")
    if idle > IDLE_PING_SECONDS:
        try:
            dbapi_connection.ping()
        except Exception as error:
            raise exc.DisconnectionError(str(error)) from error


def _server_closed_connection(context: ExceptionContext) -> None:
    """Count a connection the server ended (pg_terminate_backend, a restart, a failover) as lost.

    PostgreSQL announces such an end with an error on the idle connection; a statement sent
    before the socket closes meets asyncpg still consuming that error ("another operation is in
    progress"), which SQLAlchemy does not recognise as a disconnect, so the dead connection would
    go back to the pool and fail the requests that draw it next."""
    original = context.original_exception
    if isinstance(original, InternalClientError) and _ending_announced(original):
        context.is_disconnect = True


def _ending_announced(exc: InternalClientError) -> bool:
    return "another operation" in str(exc)


def connection_lost(exc: BaseException) -> bool:
    """Whether an error the driver raised means its connection is gone: the socket closed, the
    server ended it (see ``_server_closed_connection``) or is shutting down. For code using the
    driver's connection itself, where SQLAlchemy is not there to tell."""
    if isinstance(exc, InternalClientError):
        return _ending_announced(exc)
    return isinstance(
        exc, OSError | InterfaceError | PostgresConnectionError | OperatorInterventionError
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def state_type(states: type[StrEnum], length: int = 20) -> Enum:
    """A state column typed with its machine's enum (libs.common.state_machine) and stored as it
    always was: a plain VARCHAR of ``length`` holding the value, no native type and no CHECK
    constraint, so typing a column needs no migration."""
    return Enum(
        states,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )
