"""How the fuzz tests put a schemathesis case on the wire of an in-process app, and what they
check."""

from __future__ import annotations

import json
from typing import Any

import httpx
import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


async def send(
    case: schemathesis.Case, client: httpx.AsyncClient, headers: dict[str, str]
) -> httpx.Response:
    """The case as httpx sends it (schemathesis prepares requests-style arguments)."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url), headers=headers)
    data = kwargs.pop("data", None)
    if isinstance(data, bytes | str):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    kwargs.pop("cookies", None)
    if kwargs.get("files"):
        kwargs["files"] = [(name, _wire_part(part)) for name, part in kwargs["files"]]
    request = client.build_request(**kwargs)
    await request.aread()  # the checks read the request back, multipart bodies included
    return await client.send(request)


def _wire_part(part: Any) -> Any:
    """A multipart part as bytes: invalid cases may carry numbers or objects, which requests
    would send as their text and httpx cannot send at all."""
    filename, content, *rest = part if isinstance(part, tuple) else (None, part)
    if not isinstance(content, bytes | str):
        content = json.dumps(content)
    return (filename, content, *rest)
