"""OpenAPI links: which later call takes an id (and the ETag) from a response.

They tell client authors how calls chain (create a contact, then read or change it with its `ETag`
as `If-Match`) and let schemathesis's stateful tests follow the same chains. A route declares them
with ``responses={201: response_links(...)}``; FastAPI merges that into the response it documents.
"""

from __future__ import annotations

from typing import Any

BODY_ID = "$response.body#/id"
ETAG = "$response.header.ETag"


def link_to(method: str, path: str, description: str, **parameters: str) -> dict[str, Any]:
    """A link to the operation `method path`; `parameters` map its parameters (``if_match`` is
    the `If-Match` header) to runtime expressions such as BODY_ID and ETAG."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {
        "operationRef": f"#/paths/{pointer}/{method.lower()}",
        "description": description,
        "parameters": {
            ("header.if-match" if name == "if_match" else name): value
            for name, value in parameters.items()
        },
    }


def response_links(description: str, **links: dict[str, Any]) -> dict[str, Any]:
    """A documented response carrying `links` (name → `link_to(...)`)."""
    return {"description": description, "links": links}
