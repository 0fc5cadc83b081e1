"""A local SMTP server that stores every accepted message in a Maildir.

Run as `python -m devtools.smtp_sink --port 1025 --maildir .jisso/maildir`.

Fault injection for chaos tests, re-read on every command so a test can flip it live:
  --fail-file PATH              if the file exists and starts with an SMTP code (e.g. 421, 451),
                                every RCPT and DATA is answered with that code.
  --reject-addresses-file PATH  one address per line ('#' comments allowed); RCPT TO any of
                                them is answered 550.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, Envelope, Session

_FAIL_TEXT = {
    "421": "421 4.3.2 Service not available (injected fault)",
    "450": "450 4.2.1 Mailbox unavailable (injected fault)",
    "451": "451 4.3.0 Local error in processing (injected fault)",
    "452": "452 4.3.1 Insufficient storage (injected fault)",
}


class FaultyMailbox(Mailbox):
    """aiosmtpd's Maildir handler plus file-driven fault injection."""

    def __init__(
        self, maildir: Path, fail_file: Path | None = None, reject_file: Path | None = None
    ) -> None:
        super().__init__(maildir)
        self.fail_file = fail_file
        self.reject_file = reject_file

    def injected_failure(self) -> str | None:
        if self.fail_file is None:
            return None
        try:
            code = self.fail_file.read_text().strip()[:3]
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        if len(code) != 3 or not code.isdigit() or code[0] not in "45":
            return None
        return _FAIL_TEXT.get(code, f"{code} Injected fault")

    def rejected(self, address: str) -> bool:
        if self.reject_file is None:
            return False
        try:
            lines = self.reject_file.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return False
        listed = {ln.strip().lower() for ln in lines if ln.strip() and not ln.startswith("#")}
        return address.strip().lower() in listed

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if failure := self.injected_failure():
            return failure
        if self.rejected(address):
            return "550 5.1.1 Mailbox unavailable (rejected by sink)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if failure := self.injected_failure():
            return failure
        return await super().handle_DATA(server, session, envelope)


async def serve(host: str, port: int, handler: FaultyMailbox) -> None:
    """Serve until SIGINT/SIGTERM, then close the listener and return (exit code 0)."""
    loop = asyncio.get_running_loop()
    # SMTPUTF8 lets clients send raw UTF-8 headers (Japanese subjects) without encoded-words.
    server = await loop.create_server(
        lambda: SMTP(handler, enable_SMTPUTF8=True, hostname="jisso-smtp-sink"), host, port
    )
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--maildir", type=Path, required=True)
    parser.add_argument("--fail-file", type=Path)
    parser.add_argument("--reject-addresses-file", type=Path)
    args = parser.parse_args(argv)
    args.maildir.parent.mkdir(parents=True, exist_ok=True)
    handler = FaultyMailbox(args.maildir, args.fail_file, args.reject_addresses_file)
    print(f"smtp sink on {args.host}:{args.port}, maildir {args.maildir}", flush=True)
    asyncio.run(serve(args.host, args.port, handler))


if __name__ == "__main__":
    main()
