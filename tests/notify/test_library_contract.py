"""What delivery relies on in aiosmtplib's, asyncpg's and asyncio's internals
(services/notify/deliveries/library_contract.py), checked against the installed versions.

An upgrade that removes, renames or changes one of them fails here, naming the library and its
version, before a SIGKILL test (or production) finds out by losing or repeating a letter.
"""

from __future__ import annotations

import asyncio
import importlib
import platform
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import version
from types import ModuleType
from typing import Any

import aiosmtplib
import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

CONTRACT = "services/notify/deliveries/library_contract.py"
AIOSMTPLIB_NAMES = {
    "aiosmtplib.protocol": ("PERIOD_REGEX", "normalize_message_line_endings", "SMTPProtocol"),
}
PROTOCOL_METHODS = ("write", "read_response", "execute_data_command", "data_received")


def broken(library: str, what: str) -> str:
    """The failure message: which library, which version, what we rely on, where."""
    if library == "asyncio":
        release = f"asyncio (Python {platform.python_version()})"
    else:
        release = f"{library} {version(library)}"
    return f"{release} no longer does what notify's delivery relies on: {what} (see {CONTRACT})"


def contract() -> ModuleType:
    """The module under contract, imported only once its aiosmtplib names are known to exist."""
    return importlib.import_module("services.notify.deliveries.library_contract")


class Recording(asyncio.Transport):
    """A transport that keeps what is written to it."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0


async def until(condition: Callable[[], bool], seconds: float = 2.0) -> bool:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return True
        await asyncio.sleep(0.01)
    return condition()


def test_the_names_delivery_takes_from_aiosmtplib_exist() -> None:
    for module_name, names in AIOSMTPLIB_NAMES.items():
        module = importlib.import_module(module_name)
        for name in names:
            assert hasattr(module, name), broken("aiosmtplib", f"{module_name}.{name}")
    protocol = importlib.import_module("aiosmtplib.protocol").SMTPProtocol
    for method in PROTOCOL_METHODS:
        assert callable(getattr(protocol, method, None)), broken(
            "aiosmtplib", f"SMTPProtocol.{method}"
        )
    assert "protocol" in vars(aiosmtplib.SMTP()), broken("aiosmtplib", "SMTP.protocol")


async def test_the_body_is_written_as_aiosmtplib_writes_a_data_body() -> None:
    """``data_body`` + the marker is byte for byte what ``execute_data_command`` sends."""
    lib = contract()
    protocol = lib.SMTPProtocol()
    transport = Recording()
    protocol.connection_made(transport)
    message = b"Subject: x\n.leading dot\r\nbare\rcr\n..two\r\n.\r\nend"
    sending = asyncio.ensure_future(protocol.execute_data_command(message, timeout=5))
    assert await until(lambda: transport.written == [b"DATA\r\n"]), transport.written
    protocol.data_received(b"354 go ahead\r\n")
    assert await until(lambda: len(transport.written) == 2), transport.written
    protocol.data_received(b"250 queued\r\n")
    assert (await sending).code == 250
    assert transport.written[1] == lib.data_body(message) + b".\r\n", broken(
        "aiosmtplib",
        "SMTPProtocol.execute_data_command writes normalize_message_line_endings, then "
        "PERIOD_REGEX dot-stuffing, then .CRLF",
    )


async def test_a_reply_that_arrives_early_is_kept_only_when_one_is_expected() -> None:
    """The marker's reply may arrive before ``read_reply`` is awaited: ``expect_reply`` (the
    protocol's ``_response_pending``) is what keeps it rather than drops it as unsolicited."""
    lib = contract()
    protocol = lib.SMTPProtocol()
    protocol.connection_made(Recording())
    protocol.data_received(b"220 greeting\r\n")
    assert (await lib.read_reply(protocol, 1)).code == 220
    protocol.data_received(b"250 unsolicited\r\n")  # nothing expected: dropped
    lib.expect_reply(protocol)
    protocol.data_received(b"251 early\r\n")  # before read_reply is awaited: kept
    reply = await lib.read_reply(protocol, 1)
    assert (reply.code, reply.message) == (251, "early"), broken(
        "aiosmtplib",
        "SMTPProtocol._response_pending gates data_received: false drops a reply, true keeps it "
        f"(got {reply})",
    )


@asynccontextmanager
async def fake_smtp_server() -> AsyncIterator[int]:
    """An SMTP server in this process that greets and answers 250 to everything."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 fake\r\n")
        while line := await reader.readline():
            writer.write(b"221 bye\r\n" if line.upper().startswith(b"QUIT") else b"250 ok\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def test_a_connected_client_lends_its_protocol_and_socket_transport() -> None:
    lib = contract()
    async with fake_smtp_server() as port:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, timeout=5)
        await client.connect()
        try:
            protocol = lib.smtp_protocol(client)
            assert isinstance(protocol, lib.SMTPProtocol), broken("aiosmtplib", "SMTP.protocol")
            transport = lib.smtp_transport(protocol)
            assert transport is not None, broken("aiosmtplib", "SMTPProtocol.transport")
            # The cork and the reset act on the socket itself (held_data.py).
            assert transport.get_extra_info("socket") is not None
            lib.write(protocol, b"NOOP\r\n")
            assert lib.unsent_in_process(transport) == 0
            lib.expect_reply(protocol)
            assert (await lib.read_reply(protocol, 5)).code == 250
        finally:
            await client.quit()


async def test_a_coroutine_stepped_by_hand_is_driven_to_its_end() -> None:
    """What ``write_first`` and ``run_to_end`` rely on in asyncio: a coroutine awaiting a future
    yields that future marked ``_asyncio_future_blocking``; a bare yield yields None."""
    lib = contract()
    loop = asyncio.get_running_loop()
    future: asyncio.Future[int] = loop.create_future()

    async def awaits_a_future() -> int:
        return await future + 1

    coroutine = awaits_a_future()
    waiting = lib.write_first(coroutine)
    assert waiting is future, broken("asyncio", "an awaited future is what a coroutine yields")
    assert getattr(future, "_asyncio_future_blocking", None) is True, broken(
        "asyncio", "Future._asyncio_future_blocking"
    )
    loop.call_later(0.01, future.set_result, 41)
    assert await lib.run_to_end(coroutine, waiting) == 42

    async def yields_once() -> str:
        await asyncio.sleep(0)
        return "done"

    bare = yields_once()
    assert (waiting := lib.write_first(bare)) is None, broken("asyncio", "sleep(0) yields None")
    assert await lib.run_to_end(bare, waiting) == "done"

    async def at_once() -> None:
        return None

    assert lib.write_first(at_once()) is lib.FINISHED


async def test_asyncpg_writes_the_commit_in_the_first_step_of_its_coroutine(
    engine: AsyncEngine,
) -> None:
    """After one step of ``Transaction.commit()`` and nothing more, another connection sees the
    transaction's advisory lock released: the COMMIT was already on the wire."""
    lib = contract()
    key = uuid.uuid4().int % 2**62
    async with engine.connect() as holding, engine.connect() as watching:
        raw: Any = await holding.get_raw_connection()
        driver = raw.driver_connection
        assert isinstance(driver, asyncpg.Connection), broken(
            "sqlalchemy", "AsyncConnection.get_raw_connection().driver_connection is asyncpg's"
        )
        other: Any = (await watching.get_raw_connection()).driver_connection
        transaction = driver.transaction()
        await transaction.start()
        await driver.execute("SELECT pg_advisory_xact_lock($1)", key)
        assert not await other.fetchval("SELECT pg_try_advisory_lock($1)", key)

        commit = transaction.commit()
        waiting = lib.write_first(commit)
        assert isinstance(waiting, asyncio.Future), broken(
            "asyncpg", f"Transaction.commit() waits on a future after writing (got {waiting!r})"
        )

        async def released() -> bool:
            for _ in range(200):  # `commit` is not stepped again meanwhile
                if await other.fetchval("SELECT pg_try_advisory_lock($1)", key):
                    return True
                await asyncio.sleep(0.01)
            return False

        acquired = await released()
        await lib.run_to_end(commit, waiting)
        assert acquired, broken(
            "asyncpg", "Transaction.commit() writes COMMIT in the first step of its coroutine"
        )
        assert not driver.is_in_transaction()
        await other.execute("SELECT pg_advisory_unlock($1)", key)


@pytest.mark.parametrize("library", ["aiosmtplib", "asyncpg", "sqlalchemy"])
def test_the_failure_message_names_the_library_and_its_version(library: str) -> None:
    assert f"{library} {version(library)}" in broken(library, "something")
