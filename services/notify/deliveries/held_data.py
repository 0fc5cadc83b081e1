"""SMTP DATA held back before its end-of-data marker: the hinge of exactly-once delivery.

A message counts as delivered when the server has read the final ``<CRLF>.<CRLF>``; a server that
loses the connection before that discards the unfinished DATA. So the sender:

1. sends MAIL FROM, RCPT TO, DATA and the whole dot-stuffed body, *except* the final ``.<CRLF>``
   (:func:`hold_message`), and waits until the body has left the process for the kernel;
2. updates the row to ``sent`` (fenced by its claim) without committing yet;
3. hands the marker to the kernel on a *corked* socket (:meth:`HeldMessage.stage`): it is not
   transmitted yet, but it will be — when the socket is uncorked, or when the kernel closes the
   socket of a process that died;
4. sends the COMMIT, then uncorks (:meth:`HeldMessage.release`) — see ``commit_release.py``;
5. reads the final reply (:meth:`HeldMessage.reply`); the sender corrects the row if it is not 2xx.

Killed before 3, the worker leaves the row in ``sending`` and the server an unterminated DATA it
throws away when the connection closes; the row is sent again after its lease. Killed after 4's
COMMIT left, both the database and the server get their bytes from the kernel. Only the few
microseconds of Python between the marker's write and the COMMIT's remain, and no other process
is woken in them (the cork), so the scheduler has no reason to pause us there.

aiosmtplib's ``SMTP.data()`` writes body and marker in one ``write`` and awaits the reply, so the
split is rebuilt from its pieces: ``SMTP.mail``/``rcpt``/``execute_command(b"DATA")`` (public),
then the body, the marker and the final reply through ``library_contract.py``, the one module
that touches aiosmtplib's protocol (and says why, and is checked on every upgrade).
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time

import aiosmtplib

from services.notify.deliveries import library_contract as lib
from services.notify.deliveries.library_contract import SMTPProtocol

END_OF_DATA = b".\r\n"
START_INPUT = 354
_CORK = getattr(socket, "TCP_CORK", None)  # Linux; elsewhere the marker leaves at once


class HeldMessage:
    """A DATA transaction whose body the server holds, waiting for the end-of-data marker."""

    def __init__(self, client: aiosmtplib.SMTP, protocol: SMTPProtocol, wait: float) -> None:
        self.client = client
        self.protocol = protocol
        self.wait = wait
        self.staged = False

    @property
    def transport(self) -> asyncio.WriteTransport | None:
        return lib.smtp_transport(self.protocol)

    def stage(self) -> bool:
        """Put the marker in the kernel's send buffer, corked. False if it could not get there
        (the connection is gone, or the kernel's buffer is full): then nothing may be committed,
        and :meth:`abandon` makes sure the marker never leaves."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return False
        self._cork(True)
        lib.expect_reply(self.protocol)  # the marker is a command in all but name
        transport.write(END_OF_DATA)
        self.staged = lib.unsent_in_process(transport) == 0
        return self.staged

    def release(self) -> None:
        """Uncork: the marker leaves now (it would anyway, when the socket closes)."""
        self._cork(False)

    async def reply(self) -> aiosmtplib.SMTPResponse:
        """The server's verdict on the message (250, or a 4xx/5xx after the fact)."""
        try:
            return await lib.read_reply(self.protocol, self.wait)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError):
            self.client.close()
            raise

    def abandon(self) -> None:
        """Drop the connection without the marker: the server discards the message.

        A reset, not a close: a plain close would still send a staged marker (and asyncio's
        close() whatever it queued). SO_LINGER 0 makes the kernel discard its send buffer."""
        transport = self.transport
        sock = transport.get_extra_info("socket") if transport is not None else None
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if transport is not None:
            transport.abort()
        self.client.close()
        self.staged = False

    def _cork(self, on: bool) -> None:
        transport = self.transport
        sock = transport.get_extra_info("socket") if transport is not None else None
        if _CORK is not None and sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, _CORK, 1 if on else 0)


async def hold_message(
    client: aiosmtplib.SMTP, *, sender: str, recipient: str, message: bytes, wait: float
) -> HeldMessage:
    """MAIL, RCPT, DATA and the body, short of the marker.

    Raises aiosmtplib's ``SMTPSenderRefused``, ``SMTPRecipientRefused`` or ``SMTPDataError`` with
    the server's code when it refuses a step, ``SMTPServerDisconnected``/``SMTPTimeoutError``
    when the connection fails; the envelope is reset (RSET) after a refusal so the connection
    can carry the next message.
    """
    try:
        await client.mail(sender, timeout=wait)
        await client.rcpt(recipient, timeout=wait)
        response = await client.execute_command(b"DATA", timeout=wait)
        if response.code != START_INPUT:
            raise aiosmtplib.SMTPDataError(response.code, response.message)
    except aiosmtplib.SMTPResponseException:
        await _reset(client, wait)
        raise
    protocol = lib.smtp_protocol(client)
    if protocol is None or lib.smtp_transport(protocol) is None:
        raise aiosmtplib.SMTPServerDisconnected("connection lost before the message body")
    lib.write(protocol, lib.data_body(message))
    await _flushed(client, protocol, wait)
    return HeldMessage(client, protocol, wait)


async def _flushed(client: aiosmtplib.SMTP, protocol: SMTPProtocol, wait: float) -> None:
    """Wait until the body is in the kernel's socket buffer, not asyncio's: bytes still in the
    process die with it, and the marker must never overtake them."""
    transport = lib.smtp_transport(protocol)
    deadline = time.monotonic() + wait
    while transport is not None and lib.unsent_in_process(transport) > 0:
        if transport.is_closing() or time.monotonic() > deadline:
            client.close()
            raise aiosmtplib.SMTPServerDisconnected("the message body could not be sent")
        await asyncio.sleep(0.001)


async def _reset(client: aiosmtplib.SMTP, wait: float) -> None:
    if not client.is_connected:
        return
    try:
        await client.rset(timeout=wait)
    except (aiosmtplib.SMTPException, OSError):
        client.close()
