"""The warnings openapi-python-client gives on the committed documents today, each with why it is
not fixed yet. `make sdk` prints them on every run and fails on any other warning, and on any of
these that no longer occurs: remove an entry when the contract change that ends it lands.

Keys: the operation as the generator names it, and its words.
"""

from __future__ import annotations

# An upload taken either as multipart/form-data (generated: the typed `file` part) or as the
# CSV itself in the body, which the generator cannot send. Declaring the raw body as
# `{"type": "string", "format": "binary"}` (it may be Shift_JIS: bytes, not text) and mapping
# text/csv to octet-stream for the generator does not end it: openapi-python-client 0.29.1 then
# writes an upload module that refers to `Unset` without importing it. What ends it is the
# contract offering the multipart form alone, and saying in words that the raw body is taken.
RAW_CSV = (
    "the raw text/csv body is not generated; the multipart/form-data upload is (the file part), "
    "and the server takes both"
)
# notify's bounce webhook: the JSON form is generated; a mail gateway posting the DSN as it came
# (RFC 3464) sends these; a partner's program sends the JSON.
RAW_DSN = "a DSN as the mail gateway posts it is not generated; the JSON form (BounceWebhook) is"

KNOWN_WARNINGS: dict[str, dict[tuple[str, str], str]] = {
    "registry": {
        ("POST /v1/local-governments/designations/imports", "Unsupported content type text/csv"): (
            RAW_CSV
        ),
        ("POST /v1/local-governments/imports", "Unsupported content type text/csv"): RAW_CSV,
        ("POST /v1/projects/imports", "Unsupported content type text/csv"): RAW_CSV,
    },
    "notify": {
        ("POST /v1/bounces", "Unsupported content type message/delivery-status"): RAW_DSN,
        ("POST /v1/bounces", "Unsupported content type message/rfc822"): RAW_DSN,
        ("POST /v1/bounces", "Unsupported content type multipart/report"): RAW_DSN,
    },
}
