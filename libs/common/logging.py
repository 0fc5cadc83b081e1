"""structlog logs (JSON lines, or console lines on a terminal), redacted; a request id bound per
request and carried into calls and jobs."""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
import uuid
from contextvars import ContextVar
from typing import TextIO

import structlog
from structlog.typing import EventDict, Processor

from libs.common.tracing import add_trace_ids

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is echoed in headers and carried into calls, jobs and logs: only a plain token is.
_PLAIN_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class _Stdout:
    """The stdout ``configure_logging`` last chose: the loggers structlog caches on first use
    write through this, so a second configuration (or a test capturing output) reaches them."""

    stream: TextIO = sys.stdout

    def write(self, text: str) -> int:
        if self.stream.closed:  # a test's captured stdout, gone: never let a log line fail a job
            self.stream = sys.stdout
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


_stdout = _Stdout()


LOG_FORMATS = ("auto", "json", "console")


def configure_logging(
    level: str = "INFO",
    service: str | None = None,
    log_format: str = "auto",
    stream: TextIO | None = None,
) -> None:
    """One sink for everything: structlog events and the records of libraries (httpx, arq,
    uvicorn, SQLAlchemy) both leave on stdout, through the same redaction — as JSON lines, or
    (``console``, or ``auto`` on a terminal) as structlog's console lines for a person.

    ``stream``: stderr for a one-shot command, whose stdout is its output (a token, a line per
    migration) and may be captured; servers log to stdout."""
    out = stream if stream is not None else sys.stdout

    def add_service(_: object, __: str, event: EventDict) -> EventDict:
        if service:
            event.setdefault("service", service)
        return event

    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        add_service,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    rendered: list[Processor] = [
        # The traceback becomes text before redaction: a secret in an exception's message is
        # masked on a terminal too (the console renderer would format it after, unredacted).
        structlog.processors.format_exc_info,
        redact,
        _renderer(log_format, out),
    ]
    _stdout.stream = out
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *rendered],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # Our own events are written straight to the same stdout, not through a stdlib record,
    # handler and formatter: an access line per request made that detour a fifth of a read's CPU.
    structlog.configure(
        processors=[*shared, *rendered],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.WriteLoggerFactory(_stdout),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )


def _renderer(log_format: str, out: TextIO) -> Processor:
    """JSON for collectors; on a terminal (``auto``) or when asked (``console``), one coloured
    line per event — colours only on a terminal and without ``NO_COLOR`` (no-color.org)."""
    terminal = out.isatty()
    if log_format == "json" or (log_format == "auto" and not terminal):
        return structlog.processors.JSONRenderer(ensure_ascii=False)
    colours = terminal and not os.environ.get("NO_COLOR")
    return structlog.dev.ConsoleRenderer(
        colors=colours, exception_formatter=structlog.dev.plain_traceback
    )


# Logs leave the process (collectors, support tickets): addresses and credentials never do.
# Any local@domain, even without a dot: a library may cut an address short before it logs it. The
# local part is every character RFC 5322 allows unquoted (``o'brien``, ``a+b``, ``x=y``), except
# that it does not begin with ``'`` or ``/``: a quote in front is the one around a repr'd string,
# a slash the end of ``scheme://``.
_EMAIL = re.compile(r"[\w.!#$%&*+=?^`{|}~-][\w.!#$%&'*+/=?^`{|}~-]*@([\w-]+(?:\.[\w-]+)*)")
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*")
_BEARER = re.compile(r"\b(bearer)\s+[\w.~+/=-]+", re.IGNORECASE)
# scheme://user:PASSWORD@host — up to the last @ before the path, as URL parsers split it.
_URL_PASSWORD = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)[^\s/]*@")
# password=…, access_token=…, api_key=… in query strings, DSNs and key=value text.
_ASSIGNED_SECRET = re.compile(
    r"\b([\w.-]*(?:passw(?:or)?d|secret|token|api_?key)[\w.-]*=)[^\s&;,'\"]+", re.IGNORECASE
)
_SECRET_WORDS = ("passw", "secret", "token", "apikey", "api_key")
REDACTED = "[redacted]"


def redact(_: object, __: str, event: EventDict) -> EventDict:
    """Mask e-mail addresses (the domain stays, for bounce triage), JWTs, bearer credentials,
    passwords in URLs and ``password=``-like pairs in every value, and blank the values of keys
    named like secrets (``*password*``, ``*secret*``, ``*token*``, ``authorization``, ``cookie``)
    at any depth."""
    return {
        key: REDACTED if _names_a_secret(key) else _scrub(value) for key, value in event.items()
    }


@functools.lru_cache(maxsize=1024)
def _names_a_secret(key: str) -> bool:
    """Keys are few and repeat on every line: each is looked at once."""
    lowered = key.lower()
    return lowered in ("authorization", "cookie", "set-cookie", "proxy-authorization") or any(
        word in lowered for word in _SECRET_WORDS
    )


def _scrub(value: object) -> object:
    if isinstance(value, str):
        # Each pattern needs its marker; most values have none, and a substring test is far
        # cheaper than a regular expression's scan.
        if "eyJ" in value:
            value = _JWT.sub("[jwt]", value)
        lowered = value.lower()
        if "bearer" in lowered:
            value = _BEARER.sub(r"\1 " + REDACTED, value)
        if "=" in value and any(word in lowered for word in _SECRET_WORDS):
            value = _ASSIGNED_SECRET.sub(r"\1" + REDACTED, value)
        if "@" not in value:
            return value
        if "://" in value:
            value = _URL_PASSWORD.sub(r"\1" + REDACTED + "@", value)
        return _EMAIL.sub(r"***@\1", value)
    if isinstance(value, dict):
        return {
            key: REDACTED if isinstance(key, str) and _names_a_secret(key) else _scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def current_request_id() -> str | None:
    return request_id_var.get()


def plain_request_id(given: str | None) -> str | None:
    """A caller's ``X-Request-ID`` if it is a plain token, else ``None`` (one is minted)."""
    return given if given is not None and _PLAIN_REQUEST_ID.fullmatch(given) else None


def bind_request_id(request_id: str | None) -> str:
    """Bind (or mint) the request id for this context: logs, outgoing calls and enqueued jobs."""
    rid = request_id or uuid.uuid4().hex
    request_id_var.set(rid)
    structlog.contextvars.bind_contextvars(request_id=rid)
    return rid
