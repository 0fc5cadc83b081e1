"""What every ``jisso`` command that reaches a server shares: the settings it runs with, found for
it when they are not exported, and one line — never a traceback — when the operator's input or a
server is wrong.

- Settings: the environment first (``DATABASE_URL``, or per service ``REVIEW_DATABASE_URL``);
  what is exported neither way comes from the running ``make run`` stack (``services/stack.py``),
  and the command says on stderr which stack it uses. With neither, the command refuses in one
  line that names the variable to export.
- Refusals: ``jisso: <what is wrong and what to do>`` on stderr, exit status 2 — a setting the
  services would refuse, a server that does not answer, a database without the service's tables,
  an option the operator got wrong. A one-shot command checks that its database (and Redis, when
  it sends messages) answers before it changes anything, so a refusal leaves nothing half done.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import NoReturn, TypeVar
from urllib.parse import urlsplit, urlunsplit

import typer
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError

from libs.common.db import async_url, create_engine
from libs.common.errors import ServiceUnavailable
from libs.common.settings import LogSettings, Settings, UnknownVariable, load_settings
from services.stack import (
    DATA_DIR_VARIABLE,
    DEFAULT_DATA_DIR,
    STACK_FILE,
    STACK_VARIABLES,
    Stack,
    default_data_dir,
    find_stack,
)

EXIT_REFUSED = 2
CHECK_SECONDS = 5.0
T = TypeVar("T")
_ANNOUNCED: set[Path] = set()  # the stack files this process has named on stderr


def refuse(message: str) -> NoReturn:
    """One line on stderr and exit status 2: the operator's mistake or an unreachable server."""
    typer.echo(f"jisso: {' '.join(message.split())}", err=True)
    raise typer.Exit(EXIT_REFUSED)


def command_settings(
    service: str, *, database: bool = True, redis: bool = False, server: bool = False
) -> Settings:
    """The settings of ``service`` for a command, the running stack filling what is not exported.

    A ``server`` process (``serve``, ``worker``, ``scheduler``) takes the environment alone, as
    in production: a checkout's running `make run` stack is never mixed into what a deployment or
    a test exported, and nothing but JSON lines reaches its stderr. ``jisso up`` hands its
    children every address explicitly."""
    # A command that reaches no server (``token``) has nothing to find.
    stack = find_stack() if (database or redis) and not server else None
    found = _from_stack(service, stack)
    try:
        settings = load_settings(service, **found)
        if server:
            _own_settings(service)
    except ValidationError as exc:
        problems = "; ".join(_refusal(error) for error in exc.errors(include_input=False))
        refuse(f"refusing to start {service}: {problems}")
    except UnknownVariable as exc:
        refuse(f"refusing to start {service}: {exc}")
    for needed, variable, value in (
        (database, "DATABASE_URL", settings.database_url),
        (redis, "REDIS_URL", settings.redis_url),
    ):
        if needed and not value:
            refuse(_not_set(variable, stack, server=server))
    if found and stack is not None:
        _announce(stack)
    return settings


def log_settings() -> LogSettings:
    """``LOG_LEVEL`` and ``LOG_FORMAT``, or one line naming the one refused."""
    try:
        return LogSettings()
    except ValidationError as exc:
        problems = "; ".join(_refusal(error) for error in exc.errors(include_input=False))
        refuse(f"refusing to start: {problems}")


def _announce(stack: Stack) -> None:
    """Say which stack the command uses, once per process: ``seed`` takes two services'
    settings from it."""
    if stack.path not in _ANNOUNCED:
        _ANNOUNCED.add(stack.path)
        typer.echo(f"jisso: using the `make run` stack of {stack.path.parent}", err=True)


def _from_stack(service: str, stack: Stack | None) -> dict[str, str]:
    """The running stack's addresses that neither ``NAME`` nor ``<SERVICE>_NAME`` sets."""
    if stack is None or not stack.running:
        return {}
    prefixed = f"{service.upper()}_"
    return {
        variable.lower(): value
        for variable, value in stack.urls.items()
        if variable in STACK_VARIABLES
        and not os.environ.get(variable)
        and not os.environ.get(prefixed + variable)
    }


def _not_set(variable: str, stack: Stack | None, *, server: bool) -> str:
    example = {
        "DATABASE_URL": "postgresql://user@host:5432/jisso",
        "REDIS_URL": "redis://host:6379/0",
    }
    if server:
        return (
            f"{variable} is not set: serve, worker and scheduler take their servers from the "
            f"environment alone (never from a `make run` stack): export "
            f"{variable}={example[variable]}"
        )
    # JISSO_DATA_DIR, when set, is the only place looked in: name it, not the working directory.
    chosen = default_data_dir().resolve() if os.environ.get(DATA_DIR_VARIABLE) else None
    if stack is not None and not stack.running:
        where = (
            f"the `make run` stack recorded in {stack.path} is not running "
            f"(its process {stack.pid} is gone)"
        )
    elif chosen is not None:
        where = (
            f"no `make run` stack is running in {DATA_DIR_VARIABLE}={chosen} "
            f"(no {STACK_FILE} there)"
        )
    else:
        where = (
            f"no `make run` stack is running (no {DEFAULT_DATA_DIR}/{STACK_FILE} here or in a "
            "parent)"
        )
    start = (
        f"start `make run` with this {DATA_DIR_VARIABLE} (or point it at a running stack's "
        "data dir)"
        if chosen is not None
        else f"start `make run` in the checkout (or set {DATA_DIR_VARIABLE} to its --data-dir)"
    )
    return f"{variable} is not set and {where}: {start}, or export {variable}={example[variable]}"


def _own_settings(service: str) -> None:
    """A service's own knobs, read as the process starts: a refused one (notify's placeholder
    sender outside development) stops it with one line, as a refused shared setting does."""
    if service == "notify":
        from services.notify.config import get_notify_settings

        get_notify_settings()


def _refusal(error: ErrorDetails) -> str:
    message = error["msg"].removeprefix("Value error, ")
    variable = "_".join(map(str, error["loc"])).upper()  # a field is its environment variable
    if not variable or message.startswith(variable):  # the message names it already
        return message
    return f"{variable}: {message}"


def run(
    work: Callable[[], Awaitable[T]], settings: Settings, *, database: bool = True, redis: bool
) -> T:
    """Check the servers ``work`` needs, then run it; a server that does not answer, before or
    during the work, is one line (:func:`refuse`). ``work`` is a factory, so a refused command
    leaves no coroutine unawaited."""

    async def checked() -> T:
        if database:
            what = f"the database at {shown(settings)}"
            await _answers(_database_answers(settings), what, "DATABASE_URL")
        if redis:
            what = f"Redis at {shown_redis(settings)}"
            await _answers(_redis_answers(settings.redis_url), what, "REDIS_URL")
        return await work()

    try:
        return asyncio.run(checked())
    except _Unreachable as exc:
        refuse(str(exc))
    except Exception as exc:
        line = unreachable(exc, settings)
        if line is None:
            raise
        refuse(line)


class _Unreachable(Exception):
    """A server that did not answer the check before the work."""


async def _answers(check: Awaitable[None], what: str, variable: str) -> None:
    try:
        await asyncio.wait_for(check, timeout=CHECK_SECONDS)
    except Exception as exc:
        hint = _hint(exc)
        if hint is not None:
            raise _Unreachable(f"{what}: {hint}; nothing was changed") from exc
        cause = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, TimeoutError):
            cause = f"no answer within {CHECK_SECONDS:.0f} s"
        raise _Unreachable(
            f"{what} does not answer ({cause}); nothing was changed: "
            f"is `make run` running, or is {variable} right?"
        ) from exc


async def _database_answers(settings: Settings) -> None:
    engine = create_engine(settings, pool_size=1)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


async def _redis_answers(url: str) -> None:
    from libs.common.redis_options import redis_client

    client = redis_client(url, socket_connect_timeout=CHECK_SECONDS)
    try:
        await client.ping()
    finally:
        await client.aclose()


def refuse_evicting_redis(settings: Settings) -> None:
    """A queue process's start: one line and exit 2 when its Redis may evict queued jobs (outside
    development and test, libs/common/redis_options.py). A Redis that does not answer yet is no
    refusal: the worker waits for it (libs.common.worker), and the next start checks again."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout

    from libs.common.redis_options import EvictingRedis, redis_client, require_noeviction

    async def check() -> None:
        client = redis_client(settings.redis_url, socket_connect_timeout=CHECK_SECONDS)
        try:
            await require_noeviction(client, settings.environment)
        finally:
            await client.aclose()

    try:
        asyncio.run(check())
    except EvictingRedis as exc:
        refuse(f"refusing to start: {exc}")
    except (RedisConnectionError, RedisTimeout, OSError):
        return


def unreachable(exc: BaseException, settings: Settings) -> str | None:
    """The one line for a failure of a server during a command; None for anything else (a bug
    keeps its traceback)."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout

    for cause in _chain(exc):
        if isinstance(cause, RedisConnectionError | RedisTimeout):
            return (
                f"Redis at {shown_redis(settings)} stopped answering ({cause}): what was committed "
                "stays, and its messages wait in the outbox until a scheduler publishes them"
            )
        if isinstance(cause, ServiceUnavailable):
            return cause.detail
        hint = _hint(cause)
        if hint is not None:
            return f"the database at {shown(settings)}: {hint}"
        if isinstance(cause, OSError) or (
            isinstance(cause, DBAPIError) and cause.connection_invalidated
        ):
            return (
                f"the database at {shown(settings)} does not answer ({type(cause).__name__}: "
                f"{cause}): is `make run` running, or is DATABASE_URL right?"
            )
    return None


def _hint(exc: BaseException) -> str | None:
    """What to do about a database that answers but cannot serve this command."""
    import asyncpg

    for cause in _chain(exc):
        if isinstance(cause, asyncpg.InvalidCatalogNameError):
            return f"{cause}: create it, or correct DATABASE_URL"
        if isinstance(cause, asyncpg.InvalidAuthorizationSpecificationError):
            return f"the server refused the login ({cause}): correct DATABASE_URL"
        if isinstance(cause, asyncpg.UndefinedTableError | asyncpg.InvalidSchemaNameError):
            return f"the service's tables are missing ({cause}): run `jisso migrate` first"
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what it wraps (SQLAlchemy's ``orig``) and what caused it."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        cause = pending.pop(0)
        if cause is None or id(cause) in seen:
            continue
        seen.add(id(cause))
        yield cause
        pending += [getattr(cause, "orig", None), cause.__cause__, cause.__context__]


def shown(settings: Settings) -> str:
    """The database URL without its password."""
    try:
        return make_url(async_url(settings.database_url)).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: say so rather than quote it
        return "DATABASE_URL (unparsable)"


def shown_redis(settings: Settings) -> str:
    parts = urlsplit(settings.redis_url)
    if parts.password is None:
        return settings.redis_url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (
        f":{parts.port}" if parts.port else ""
    )
    return urlunsplit(parts._replace(netloc=netloc))
