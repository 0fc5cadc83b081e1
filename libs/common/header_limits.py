"""Request head limits for ``jisso serve``: a request line and header fields over
``MAX_HEADER_BYTES`` in all, or more than ``MAX_HEADER_FIELDS`` fields, are answered 431
(Request Header Fields Too Large) problem+json and the connection is closed.

Hand-written because nothing below the app enforces it: ``jisso serve`` runs uvicorn with
httptools (llhttp), which puts no bound on a header — httptools concatenates a field's value in
memory until the field ends, and uvicorn appends every field — so an 8 MB header was read whole
and handed to the app. (uvicorn's ``h11_max_incomplete_event_size`` bounds only the h11 protocol,
which is several times slower per request.) An ASGI middleware would see the head only once it
has been read and parsed, too late for memory. So this is uvicorn's own httptools protocol with
two checks added where the bytes arrive:

- while a head is still incomplete, the bytes fed since it began are counted after every read:
  past the limit the request is refused before the next read, so a head never holds more than the
  limit plus one read (uvicorn reads at most 256 KiB at a time);
- once a head is complete, its exact size (every byte from the method to the blank line, fields
  written ``name: value``) and its field count are checked before any app code runs.

A refused request never reaches the app (no handler, no log line of it but a warning, no metric),
the same as uvicorn's own 400 for a malformed request.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from http import HTTPStatus
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from libs.common.errors import PROBLEM_JSON, DomainError
from libs.common.logging import REQUEST_ID_HEADER

STATUS = HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
# What the parser does not hand over besides the method: the request line's two spaces, "HTTP/1.1"
# and CRLF, and the blank line that ends the head.
_HEAD_OVERHEAD = 14


class RequestHeadTooLarge(DomainError):
    """The 431 problem: its type and title (answered here, below the app's handlers)."""

    status, slug, title = 431, "request-head-too-large", "Request Header Fields Too Large"


class _HeadRefused(Exception):
    """Raised from a parser callback to stop parsing; ``data_received`` answers it."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the head limits; built by :func:`http_protocol`."""

    max_head_bytes = 16_384
    max_fields = 100
    problem_base = ""  # the app's (libs.common.errors.problem_base): the 431's type is absolute

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._head_complete = False
        self._head_bytes = 0
        self._heads_completed = 0
        self._refusal: str | None = None

    def data_received(self, data: bytes) -> None:
        # uvicorn's own data_received, with the refusal and the count of an incomplete head.
        self._unset_keepalive_if_required()
        # Only a read that ends inside the head it began in is counted: once a head completes
        # (measured exactly below), the rest of that read is body or the next pipelined request.
        counting = not self._head_complete
        heads_before = self._heads_completed
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._refusal is not None:
                self._refuse(self._refusal)
                return
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if counting and not self._head_complete and self._heads_completed == heads_before:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self._refuse(f"request head over {self.max_head_bytes} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_complete = False
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._head_complete = True
        self._heads_completed += 1
        size = len(self.parser.get_method()) + _HEAD_OVERHEAD + len(self.url)
        size += sum(len(name) + len(value) + 4 for name, value in self.headers)
        if len(self.headers) > self.max_fields:
            self._refusal = f"more than {self.max_fields} header fields"
        elif size > self.max_head_bytes:
            self._refusal = f"request head over {self.max_head_bytes} bytes"
        if self._refusal is not None:
            raise _HeadRefused(self._refusal)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_complete = False
        self._head_bytes = 0

    def _refuse(self, reason: str) -> None:
        self.logger.warning("Request head refused: %s", reason)
        self.transport.write(refusal_response(reason, self.problem_base))
        self.transport.close()


def refusal_response(reason: str, problem_base: str) -> bytes:
    """The whole 431 answer: problem+json, a fresh request id, and ``Connection: close``."""
    refusal = RequestHeadTooLarge(f"リクエストヘッダーが大きすぎます（{reason}）")
    body = json.dumps(refusal.to_problem(base=problem_base), ensure_ascii=False).encode()
    head = (
        f"HTTP/1.1 {STATUS.value} {STATUS.phrase}\r\n"
        f"content-type: {PROBLEM_JSON}\r\n"
        f"content-length: {len(body)}\r\n"
        f"{REQUEST_ID_HEADER.lower()}: {uuid.uuid4().hex}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


def http_protocol(
    max_head_bytes: int, max_fields: int, problem_base: str
) -> type[BoundedHttpToolsProtocol]:
    """The protocol class to give ``uvicorn.run(http=...)``, with these limits; ``problem_base``
    is the app's, where the 431's type page is."""
    return type(
        "BoundedHttpToolsProtocol",
        (BoundedHttpToolsProtocol,),
        {"max_head_bytes": max_head_bytes, "max_fields": max_fields, "problem_base": problem_base},
    )
