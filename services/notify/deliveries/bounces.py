"""Bounce reports: RFC 3464 delivery status notifications and a provider's JSON webhook.

A DSN is a ``multipart/report; report-type=delivery-status`` message: a human part, a
``message/delivery-status`` part (one block per message, then one per recipient with
``Final-Recipient``, ``Action`` and ``Status``) and usually the original message or its headers,
whose ``Message-ID`` names our delivery. ``Action: failed`` with a 5.x.x status is a hard bounce;
4.x.x (and ``delayed``) are soft: the server is still trying, nothing to do here.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import Message
from typing import Literal

from libs.common.errors import InvalidInput

BounceType = Literal["hard", "soft"]


@dataclass(frozen=True)
class BounceReport:
    email: str
    type: BounceType
    reason: str
    message_id: str | None = None


def parse_dsn(raw: bytes) -> list[BounceReport]:
    """Every recipient a DSN reports on; a 422 for anything that is not one."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    if message.get_content_type() != "multipart/report":
        raise _not_a_dsn(f"expected multipart/report, got {message.get_content_type()}")
    original_id = _original_message_id(message)
    reports: list[BounceReport] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _status_blocks(part):
            report = _recipient_report(block, original_id)
            if report is not None:
                reports.append(report)
    if not reports:
        raise _not_a_dsn("no message/delivery-status part with a Final-Recipient")
    return reports


def parse_delivery_status(raw: bytes) -> list[BounceReport]:
    """A bare ``message/delivery-status`` body: the status blocks alone, no original message."""
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    blocks = [email.message_from_string(chunk.strip()) for chunk in text.split("\n\n") if chunk]
    reports = [r for block in blocks if (r := _recipient_report(block, None)) is not None]
    if not reports:
        raise _not_a_dsn("no block with a Final-Recipient")
    return reports


def _status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    # Some producers send the fields as text: blocks are separated by blank lines.
    text = (payload if isinstance(payload, str) else "").replace("\r\n", "\n")
    return [email.message_from_string(chunk.strip()) for chunk in text.split("\n\n") if chunk]


def _recipient_report(block: Message, original_id: str | None) -> BounceReport | None:
    final = block.get("Final-Recipient") or block.get("Original-Recipient")
    if not final:
        return None  # the per-message block
    address = final.split(";", 1)[-1].strip().strip("<>")
    action = (block.get("Action") or "").strip().lower()
    status = (block.get("Status") or "").strip()
    diagnostic = " ".join((block.get("Diagnostic-Code") or "").split())
    hard = action == "failed" and status.startswith("5")
    reason = f"DSN {action or '?'} {status or '?'} {diagnostic}".strip()
    return BounceReport(address, "hard" if hard else "soft", reason[:500], original_id)


def _original_message_id(message: Message) -> str | None:
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            original = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(original, Message) and original.get("Message-ID"):
                return str(original["Message-ID"]).strip()
        elif kind == "text/rfc822-headers":
            headers = email.message_from_string(str(part.get_payload(decode=False)))
            if headers.get("Message-ID"):
                return str(headers["Message-ID"]).strip()
    return None


def _not_a_dsn(detail: str) -> InvalidInput:
    return InvalidInput.field(
        "body", "dsn", f"配信状態通知（RFC 3464）として解釈できません（{detail}）"
    )
