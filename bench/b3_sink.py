"""B3's mail sink: Postfix's ``smtp-sink``, a C server, so the sink is never what B3 measures.

The Python sink (``devtools.smtp_sink``, aiosmtpd writing a Maildir) took a core of its own at a
few hundred messages a second and bounded ours and the floor alike. ``smtp-sink`` (Debian's
``postfix`` package; only the binary is used, no Postfix daemon) appends every transaction to one
dump file (``-D``), each behind a marker line (``-S``), which is then counted by ``Message-ID``.
When the binary is missing the Python sink is used instead and the figure says so.
"""

from __future__ import annotations

import email.policy
import mmap
import os
import pwd
import re
import shutil
from collections.abc import Iterator
from email.parser import BytesHeaderParser
from pathlib import Path

from devtools.embedded import LOCALHOST, EmbeddedSmtp, _EmbeddedServer, smtp_answers
from devtools.supervisor import Child, start_child

SMTP_SINK = "/usr/sbin/smtp-sink"
MARKER = b"\x01jisso-sink\n"
# Each dumped message's header, from its marker to the first empty line: smtp-sink's own X- lines
# and Received, then the message's.
HEADERS = re.compile(re.escape(MARKER) + rb"(.*?)(?:\n\n|\Z)", re.DOTALL)
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class CSmtpSink(_EmbeddedServer):
    """``smtp-sink`` as a child, every message appended to ``dump``."""

    name = "smtp-sink"
    url_template = "smtp://{host}:{port}"
    label = "Postfix smtp-sink (C)"

    @property
    def dump(self) -> Path:
        return self.data_dir / "dump"

    def _launch(self, port: int) -> Child:
        argv = [SMTP_SINK, "-S", "\\001jisso-sink\\n", "-D", str(self.dump)]
        if os.geteuid() == 0:  # as root, smtp-sink insists on -u: it stays the same user
            argv += ["-u", pwd.getpwuid(0).pw_name]
        # 256 is the backlog; -m (simultaneous connections) defaults to 256 too.
        return start_child([*argv, f"{LOCALHOST}:{port}", "256"], self.log_file)

    def _ready(self) -> bool:
        return smtp_answers(self.port)

    def message_ids(self) -> list[str]:
        """Every message's ``Message-ID``, once per message received."""
        if not self.dump.exists() or not self.dump.stat().st_size:
            return []
        # Mapped, not read: a full run's dump is 120,000 letters of ~15 KB, nearly 2 GB.
        with (
            self.dump.open("rb") as file,
            mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped,
        ):
            return list(dump_message_ids(mapped))

    def alive(self) -> bool:
        """False once the sink has exited (it exits on a dump it cannot write)."""
        return self.process is not None and self.process.poll() is None


class PythonSink(EmbeddedSmtp):
    """The fallback: the aiosmtpd Maildir sink, slower than anything B3 would measure."""

    label = "aiosmtpd Maildir sink (Python; smtp-sink missing)"

    def message_ids(self) -> list[str]:
        new = self.maildir / "new"
        if not new.exists():
            return []
        parser = BytesHeaderParser(policy=email.policy.default)
        return [str(parser.parsebytes(p.read_bytes())["Message-ID"] or "") for p in new.iterdir()]

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def dump_message_ids(dump: bytes | mmap.mmap) -> Iterator[str]:
    """The ``Message-ID`` of each message in an smtp-sink dump (``None`` never: a message without
    one is yielded as ``""``, so it is counted, as lost, not skipped)."""
    for head in HEADERS.finditer(dump):
        found = MESSAGE_ID.search(head.group(1))
        yield found.group(1).decode() if found else ""


Sink = CSmtpSink | PythonSink


def sink(data_dir: Path) -> Sink:
    """The C sink when the binary is there, else the Python one (started by ``with``)."""
    if shutil.which(SMTP_SINK):
        return CSmtpSink(data_dir)
    return PythonSink(data_dir)
