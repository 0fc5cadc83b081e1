"""Every place delivery relies on a library's internals, in one module, each with its reason.

Exactly-once delivery (``held_data.py``, ``commit_release.py``) needs two things no library
offers through its public API:

- **aiosmtplib**: ``SMTP.data()`` writes the body and the end-of-data marker in one ``write`` and
  then awaits the reply, so the marker cannot be held back. The body is written here as
  ``SMTPProtocol.execute_data_command`` writes it (``normalize_message_line_endings``, then
  ``PERIOD_REGEX`` dot-stuffing) through the protocol's own ``write``, and the reply read with its
  ``read_response``. One protected attribute is set, ``_response_pending``: the protocol drops a
  reply that arrives while it is false as unsolicited, and it is false between commands — so it
  is set before the marker leaves, as the protocol does before each command.
- **asyncpg and asyncio**: the COMMIT must be on the wire before the marker is let go, and
  nothing may run in between. asyncpg writes a query in the first step of its coroutine and only
  then awaits the answer (``BaseProtocol.query``: ``_simple_query``, then ``await waiter``), so
  the commit coroutine is stepped once by hand (:func:`write_first`) and then driven to its end
  as its task would have been (:func:`run_to_end`), which means honouring asyncio's
  ``_asyncio_future_blocking`` protocol between a coroutine and the loop.

Also relied on, through public names: a transport's ``get_write_buffer_size()`` counting the bytes
still inside this process (true of asyncio's socket transport; of its TLS transport only for the
TLS layer — docs/notify.md says what that means for the guarantee).

``tests/notify/test_library_contract.py`` checks each of these against the installed versions and
fails naming the library and its version when an upgrade removes or changes one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, cast

import aiosmtplib
from aiosmtplib.protocol import PERIOD_REGEX, SMTPProtocol, normalize_message_line_endings

# --- aiosmtplib --------------------------------------------------------------------------------


def smtp_protocol(client: aiosmtplib.SMTP) -> SMTPProtocol | None:
    """The connected client's protocol (None when it is not connected)."""
    return client.protocol


def smtp_transport(protocol: SMTPProtocol) -> asyncio.WriteTransport | None:
    """The transport the protocol writes to now (after STARTTLS, the TLS one)."""
    return cast(asyncio.WriteTransport | None, protocol.transport)


def data_body(message: bytes) -> bytes:
    """The DATA body exactly as ``SMTPProtocol.execute_data_command`` writes it, short of the
    end-of-data marker: CRLF line ends, then every leading period doubled."""
    return PERIOD_REGEX.sub(b"..", normalize_message_line_endings(message))


def write(protocol: SMTPProtocol, data: bytes) -> None:
    """Bytes onto the connection, as the protocol writes its commands."""
    protocol.write(data)


def expect_reply(protocol: SMTPProtocol) -> None:
    """Keep the reply to what is written next, even if it arrives before :func:`read_reply` is
    awaited (the protocol otherwise drops it as unsolicited)."""
    protocol._response_pending = True


async def read_reply(protocol: SMTPProtocol, wait: float) -> aiosmtplib.SMTPResponse:
    return await protocol.read_response(timeout=wait)


def unsent_in_process(transport: asyncio.WriteTransport) -> int:
    """Bytes written to ``transport`` that have not reached the kernel yet. For a TLS transport,
    only those still in its TLS layer: the socket transport beneath may hold more."""
    return transport.get_write_buffer_size()


# --- asyncpg and asyncio -----------------------------------------------------------------------

FINISHED: Any = object()  # what :func:`write_first` answers for a coroutine that ended at once


def write_first(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coroutine`` up to its first suspension and answer what it waits on (a future, or
    None for a bare yield), or :data:`FINISHED`. For asyncpg's ``Transaction.commit()`` the
    COMMIT has been written to the socket when this returns. Exceptions propagate."""
    try:
        return coroutine.send(None)
    except StopIteration:
        return FINISHED


async def run_to_end(coroutine: Coroutine[Any, Any, Any], waiting: Any) -> Any:
    """Drive a coroutine stepped by :func:`write_first` to its end, as ``Task.__step`` would:
    a future it yielded is waited for (its ``_asyncio_future_blocking`` reset, as a task does
    before resuming), a bare yield is one turn of the loop."""
    if waiting is FINISHED:
        return None
    while True:
        if isinstance(waiting, asyncio.Future):
            waiting._asyncio_future_blocking = False
            await asyncio.wait([waiting])
        else:  # a bare yield (sleep(0)): one turn of the loop
            await asyncio.sleep(0)
        try:
            waiting = coroutine.send(None)
        except StopIteration as done:
            return done.value
