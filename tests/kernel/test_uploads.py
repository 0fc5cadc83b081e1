"""The one reader of imported files (``libs.common.uploads``) and the one ``responses`` helper.

The imports' refusals are pinned end to end in tests/registry, tests/review/joint and
tests/security; these pin what those cannot see: how much of a streamed body is kept, that the
rest is still read (so the kernel's body limit still counts it), and how a route's documented
problems are put together.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.types import Message

from libs.common import uploads
from libs.common.errors import PROBLEM_JSON, InvalidInput, UnsupportedMediaType, problems

CAP = 100
BOUNDARY = "jisso-boundary"


class Body:
    """A request body arriving in chunks, remembering how many were taken."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)
        self.taken = 0

    async def receive(self) -> Message:
        self.taken += 1
        if self.chunks:
            chunk = self.chunks.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(self.chunks)}
        return {"type": "http.request", "body": b"", "more_body": False}


def request(body: Body, content_type: str) -> Request:
    headers = [(b"content-type", content_type.encode())]
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers, "query_string": b""}
    return Request(scope, body.receive)


def multipart(name: str, content: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="a.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    )
    return head.encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()


async def test_a_streamed_body_keeps_one_byte_past_the_cap_and_reads_the_rest() -> None:
    body = Body(b"a" * 60, b"b" * 60, b"c" * 60)
    content = await uploads.received(request(body, "text/csv; charset=utf-8"), max_bytes=CAP)
    assert content == b"a" * 60 + b"b" * 41
    assert body.chunks == []  # drained: the body limit middleware saw every byte
    with pytest.raises(InvalidInput) as refused:
        uploads.read_csv(content, max_bytes=CAP, max_rows=10)
    problem = refused.value.to_problem()
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("file", "too_large")]
    assert problem["max_bytes"] == CAP


async def test_a_multipart_file_in_shift_jis_reads_as_text() -> None:
    text = "団体コード,都道府県名,市区町村名\n112071,埼玉県,秩父市\n"
    body = Body(multipart("file", text.encode("cp932")))
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    content = await uploads.received(request(body, content_type), max_bytes=CAP)
    reader = uploads.read_csv(content, max_bytes=CAP, max_rows=10)
    assert reader.header == ["団体コード", "都道府県名", "市区町村名"]
    assert [(row.line, row.cells) for row in reader] == [(2, ["112071", "埼玉県", "秩父市"])]


async def test_a_form_without_the_file_or_another_media_type_is_refused() -> None:
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    with pytest.raises(InvalidInput) as missing:
        await uploads.received(request(Body(multipart("other", b"x")), content_type), max_bytes=CAP)
    assert [(e.field, e.rule) for e in missing.value.errors or []] == [("body.file", "required")]
    with pytest.raises(UnsupportedMediaType):
        await uploads.received(request(Body(b"{}"), "application/json"), max_bytes=CAP)


def test_a_file_on_disk_is_read_to_one_byte_past_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 1000)
    assert len(uploads.on_disk(path, max_bytes=CAP)) == CAP + 1


def test_a_route_states_its_own_problems_and_the_common_ones_come_with_them() -> None:
    documented = problems(
        not_found="No such round",
        precondition=True,
        extra={428: "If-Match missing when replacing"},
        success={201: {"description": "Created"}},
    )
    assert sorted(documented, key=str) == [201, 401, 403, 404, 412, 422, 428, 429, 503]
    assert documented[404]["description"] == "No such round"
    assert documented[404]["content"] == {PROBLEM_JSON: {}}
    assert documented[428]["description"] == "If-Match missing when replacing"
    assert documented[201] == {"description": "Created"}
    assert sorted(problems(), key=str) == [401, 403, 422, 429, 503]
