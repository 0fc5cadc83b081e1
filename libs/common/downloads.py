"""A file download (CSV, XLSX) as every service sends it: one ``Content-Disposition`` for all.

RFC 6266: ``filename*=UTF-8''…`` (RFC 8187) carries the real name, Japanese included, and a plain
``filename="…"`` comes first for clients that read only that one (old mail gateways, some
download managers, scripts splitting the header by hand). Both are always sent, so no route
gives one client a name and another none.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import Response

# What the quoted ASCII name may hold: nothing a client could read as a path or a second parameter.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def content_disposition(filename: str, *, ascii_name: str | None = None) -> str:
    """``attachment; filename="<ascii>"; filename*=UTF-8''<filename>``.

    ``ascii_name`` is the plain name for a ``filename`` that is not ASCII (事業一覧.csv →
    projects.csv); an ASCII ``filename`` is its own."""
    plain = filename if ascii_name is None else ascii_name
    if not _PLAIN_NAME.fullmatch(plain):
        raise ValueError(f"a download needs a plain ASCII name, not {plain!r}")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"


def download(
    content: bytes, media_type: str, filename: str, *, ascii_name: str | None = None
) -> Response:
    """The file as an attachment named by :func:`content_disposition`."""
    disposition = content_disposition(filename, ascii_name=ascii_name)
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
