"""The floor of B1 and B2: the least work the same answers need on this stack.

A minimal Starlette app over a raw asyncpg pool, served by uvicorn exactly as ``jisso serve``
serves the registry (uvloop, httptools, no access log). Each route checks the same bearer JWT
through the registry's own ``decode_token`` (so with the same cache of verified tokens: a floor
verifying every signature would do work the product does not), counts the caller against the
same per-token rate limit in the same Redis (the ``limits`` package, as shipped: a limit every
request must pass), runs the SQL the registry runs for the request — for project reads the very
statement SQLAlchemy emits, related rows aggregated as JSON in it — applies the same visibility
rule (a municipality sees its own contacts only), and answers the same JSON (fields, ETag),
serialised with pydantic_core's ``to_json`` as the registry's reads are. What it leaves out is
everything above the SQL: FastAPI's dependency injection and validation, the ORM, pydantic
models, the unit-of-work route, the request-id, tracing and metrics middlewares and the access
log.

    python -m bench.floor_app --port 8101   (DATABASE_URL, JWT_SECRET, FLOOR_POOL_MIN/MAX)
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any

import asyncpg
import uvicorn
from pydantic_core import to_json
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.generate import plain_url
from libs.common.auth import Principal, Role, decode_token
from libs.common.errors import Unauthorized
from libs.common.etag import etag_for, representation_etag
from libs.common.fiscal_year import TOKYO, fiscal_year_label, today_tokyo
from libs.common.metrics import ServiceMetrics
from libs.common.pagination import encode_cursor, next_link
from libs.common.rate_limits import RateLimiter
from libs.common.search_text import normalise_search_key
from libs.common.settings import load_settings

PROJECT_COLUMNS = (
    "id, programme_id, title, technologies, tags, selection_fiscal_year, term_start, term_end, "
    "extensions, extended_on, status, ended_on, end_reason, future_vision, regional_issues, "
    "summary, version, created_at, updated_at"
)


def _qualified(table: str, columns: str) -> str:
    return ", ".join(f"registry.{table}.{c.strip()}" for c in columns.split(","))


# The statement the registry emits for a read (services/registry/projects/repository.py
# READ_COLUMNS): proposers and initiatives aggregated as JSON in the same row.
READ_SQL = (
    f"SELECT {_qualified('projects', PROJECT_COLUMNS)}, (SELECT coalesce(json_agg("
    "json_build_object('lg_code', registry.project_proposers.lg_code, 'name', "
    "registry.local_governments.name, 'prefecture', registry.local_governments.prefecture, "
    "'is_lead', registry.project_proposers.is_lead) ORDER BY registry.project_proposers.position), "
    "'[]'::json) AS coalesce_1 \nFROM registry.project_proposers JOIN "
    "registry.local_governments ON "
    "registry.local_governments.code = registry.project_proposers.lg_code \nWHERE "
    "registry.project_proposers.project_id = registry.projects.id) AS proposers, (SELECT "
    "coalesce(json_agg(json_build_object('title', registry.project_initiatives.title, "
    "'description', registry.project_initiatives.description) ORDER BY "
    "registry.project_initiatives.position), '[]'::json) AS coalesce_2 \nFROM "
    "registry.project_initiatives \nWHERE registry.project_initiatives.project_id = "
    "registry.projects.id) AS initiatives \nFROM registry.projects \n"
)
LIST_SQL = (
    f"{READ_SQL}WHERE registry.projects.selection_fiscal_year = $1::INTEGER AND "
    "registry.projects.technologies @> $2::VARCHAR(40)[] ORDER BY "
    "registry.projects.selection_fiscal_year, registry.projects.title, registry.projects.id \n"
    " LIMIT $3::INTEGER"
)
GET_SQL = f"{READ_SQL}WHERE registry.projects.id = $1::UUID"
AUDIT_SQL = (
    "INSERT INTO registry.audit_events (actor, action, subject_type, subject_id, before, after) "
    "VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)"
)


def _problem(status: int, detail: str) -> Response:
    return _json({"status": status, "detail": detail}, status)


def _json(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(to_json(content), status_code, headers, media_type="application/json")


async def _principal(request: Request, *roles: Role) -> Principal | None:
    """The caller of a valid token of one of ``roles``, counted against its rate limit."""
    header = request.headers.get("authorization", "")
    try:
        principal = decode_token(request.app.state.settings, header.removeprefix("Bearer "))
    except Unauthorized:
        return None
    if principal.role not in roles:
        return None
    limiter: RateLimiter = request.app.state.limiter
    await limiter.hit(limiter.authenticated, principal.actor, report=False)
    return principal


async def _actor(request: Request) -> str | None:
    """``role:subject`` of a valid operator token, counted against its rate limit; else None."""
    principal = await _principal(request, Role.operator)
    return principal.actor if principal else None


def _iso(value: date | datetime | None) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(TOKYO).isoformat()
    return value.isoformat() if value is not None else None


def _status_as_of(row: asyncpg.Record, day: date) -> str:
    if row["status"] == "withdrawn":
        return "withdrawn"
    if day < row["term_start"]:
        return "not_started"
    if day > row["term_end"] or (row["ended_on"] is not None and day > row["ended_on"]):
        return "ended"
    extended_on = row["extended_on"]
    return "extended" if extended_on is not None and day >= extended_on else "supported"


def _project_out(row: asyncpg.Record, day: date) -> dict[str, Any]:
    """The project as the registry answers it: labels and status added to the row."""
    return {
        "id": str(row["id"]),
        "programme_id": row["programme_id"],
        "title": row["title"],
        "proposers": row["proposers"],
        "technologies": list(row["technologies"]),
        "tags": list(row["tags"]),
        "selection_fiscal_year": row["selection_fiscal_year"],
        "selection_fiscal_year_label": fiscal_year_label(row["selection_fiscal_year"]),
        **{k: _iso(row[k]) for k in ("term_start", "term_end")},
        "extensions": row["extensions"],
        "extended_on": _iso(row["extended_on"]),
        "status": row["status"],
        "ended_on": _iso(row["ended_on"]),
        "end_reason": row["end_reason"],
        "as_of": day.isoformat(),
        "status_as_of": _status_as_of(row, day),
        **{k: row[k] for k in ("future_vision", "regional_issues", "summary")},
        "initiatives": row["initiatives"],
        "version": row["version"],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
    }


async def list_projects(request: Request) -> Response:
    if await _actor(request) is None:
        return _problem(401, "a valid operator token is required")
    query = request.query_params
    limit = int(query.get("limit", "50"))
    args = (int(query["fiscal_year"]), [query["technology"]], limit + 1)
    rows = await request.app.state.pool.fetch(LIST_SQL, *args)
    day = today_tokyo()
    items = [_project_out(row, day) for row in rows[:limit]]
    cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        cursor = encode_cursor(
            request, [last["selection_fiscal_year"], last["title"], str(last["id"])]
        )
    return _json({"items": items, "next": next_link(request.url, cursor)})


async def get_project(request: Request) -> Response:
    if await _actor(request) is None:
        return _problem(401, "a valid operator token is required")
    project_id = uuid.UUID(request.path_params["project_id"])
    row = await request.app.state.pool.fetchrow(GET_SQL, project_id)
    if row is None:
        return _problem(404, "no project with this id")
    etag = etag_for("project", project_id, row["version"])
    return _json(_project_out(row, today_tokyo()), headers={"ETag": etag})


async def add_member(request: Request) -> Response:
    """The member row, the council's version step and the audit event, in one transaction."""
    actor = await _actor(request)
    if actor is None:
        return _problem(401, "a valid operator token is required")
    council_id = uuid.UUID(request.path_params["council_id"])
    body = await request.json()
    key = normalise_search_key(body["organisation"])
    member_id = uuid.uuid4()
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        bumped = await conn.fetchval(
            "UPDATE registry.councils SET version = version + 1 WHERE id = $1 RETURNING id",
            council_id,
        )
        if bumped is None:
            return _problem(404, "no such council")
        position, taken = await conn.fetchrow(
            "SELECT coalesce(max(position), -1) + 1,"
            " coalesce(bool_or(organisation_key = $2), false)"
            " FROM registry.council_members WHERE council_id = $1",
            council_id,
            key,
        )
        if taken:
            return _problem(409, "the organisation is already a member")
        member = {
            "organisation": body["organisation"],
            "category": body["category"],
            "role": body.get("role", "member"),
            "lg_code": body.get("lg_code"),
            "position": position,
        }
        await conn.execute(
            "INSERT INTO registry.council_members (id, council_id, organisation, organisation_key,"
            " category, role, lg_code, position, version)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
            member_id, council_id, member["organisation"], key, member["category"],
            member["role"], member["lg_code"], position,
        )  # fmt: skip
        after = json.dumps({"council_id": str(council_id), **member}, ensure_ascii=False)
        await conn.execute(
            AUDIT_SQL, actor, "council.member_added", "council_member", str(member_id), None, after
        )
    etag = etag_for("council-member", member_id, 1)
    out = {"id": str(member_id), "council_id": str(council_id), **member, "etag": etag}
    out["organisation_key"] = key
    headers = {"ETag": etag, "Location": f"/v1/councils/{council_id}/members/{member_id}"}
    return _json(out, 201, headers)


CONTACT_COLUMNS = (
    "id, name, email, phone, organisation, stakeholder_category, lg_code, suppression, "
    "suppression_reason, suppressed_at, suppression_reasons, version"
)


async def patch_contact(request: Request) -> Response:
    """Lock, compare the representation's ETag with If-Match, update, audit: one transaction."""
    actor = await _actor(request)
    if actor is None:
        return _problem(401, "a valid operator token is required")
    contact_id = uuid.UUID(request.path_params["contact_id"])
    changes = await request.json()
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            f"SELECT {CONTACT_COLUMNS} FROM registry.contacts WHERE id = $1 FOR UPDATE", contact_id
        )
        if row is None:
            return _problem(404, "no such contact")
        links = await conn.fetch(
            "SELECT id, project_id, council_id FROM registry.contact_links WHERE contact_id = $1"
            " ORDER BY id",
            contact_id,
        )
        current = _contact_out(row, links)
        etag = representation_etag("contact", contact_id, current)
        if request.headers.get("if-match") != etag:
            problem = {"status": 412, "detail": "changed since you read it", "current_etag": etag}
            return _json(problem, 412)
        before = {k: row[k] for k in ("name", "phone", "organisation")}
        after = {**before, **changes}
        key = f"{normalise_search_key(after['name'])}|{normalise_search_key(after['organisation'])}"
        version = await conn.fetchval(
            "UPDATE registry.contacts SET phone = $2, organisation = $3, search_key = $4,"
            " version = version + 1 WHERE id = $1 RETURNING version",
            contact_id, after["phone"], after["organisation"], key,
        )  # fmt: skip
        await conn.execute(
            AUDIT_SQL, actor, "contact.updated", "contact", str(contact_id),
            json.dumps(before, ensure_ascii=False), json.dumps(after, ensure_ascii=False),
        )  # fmt: skip
    out = {**current, **after, "version": version}
    return _json(out, headers={"ETag": representation_etag("contact", contact_id, out)})


def _contact_out(row: asyncpg.Record, links: list[asyncpg.Record]) -> dict[str, Any]:
    out = {k: _iso(v) if isinstance(v, datetime) else v for k, v in row.items()}
    out["id"] = str(row["id"])
    out["links"] = [{k: str(v) if v else None for k, v in link.items()} for link in links]
    return out


# A page of contacts with their links aggregated in the same row (ours: the page, then the links
# of its contacts in a second statement); the municipality's own only.
_CONTACT_PAGE = (
    f"SELECT {CONTACT_COLUMNS}, (SELECT coalesce(json_agg(json_build_object("
    "'id', l.id, 'project_id', l.project_id, 'council_id', l.council_id) ORDER BY l.id),"
    " '[]'::json) FROM registry.contact_links l WHERE l.contact_id = c.id) AS links"
    " FROM registry.contacts c"
)
OWN_CONTACTS_SQL = f"{_CONTACT_PAGE} WHERE c.lg_code = $1 ORDER BY c.name, c.id LIMIT $2"
ALL_CONTACTS_SQL = f"{_CONTACT_PAGE} ORDER BY c.name, c.id LIMIT $1"
# Not served here; its plan is shown (bench/plans.py): the office's list of suppressed addresses.
SUPPRESSED_CONTACTS_SQL = (
    f"{_CONTACT_PAGE} WHERE c.suppression IS NOT NULL ORDER BY c.name, c.id LIMIT $1"
)


async def list_contacts(request: Request) -> Response:
    principal = await _principal(request, Role.operator, Role.municipality)
    if principal is None:
        return _problem(401, "a valid operator or municipality token is required")
    limit = int(request.query_params.get("limit", "50"))
    pool = request.app.state.pool
    if principal.role is Role.municipality:
        rows = await pool.fetch(OWN_CONTACTS_SQL, principal.lg_code, limit + 1)
    else:
        rows = await pool.fetch(ALL_CONTACTS_SQL, limit + 1)
    items = [_listed_contact(row) for row in rows[:limit]]
    cursor = None
    if len(rows) > limit:
        cursor = encode_cursor(request, [rows[limit - 1]["name"], str(rows[limit - 1]["id"])])
    return _json({"items": items, "next": next_link(request.url, cursor)})


def _listed_contact(row: asyncpg.Record) -> dict[str, Any]:
    out = {k: _iso(v) if isinstance(v, datetime) else v for k, v in row.items()}
    out["id"] = str(row["id"])
    return out


async def ready(request: Request) -> Response:
    return _json({"status": "ok"})


async def _json_codec(conn: asyncpg.Connection) -> None:
    # As SQLAlchemy's asyncpg dialect does: json and jsonb values arrive decoded.
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


def create_app() -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(
            plain_url(os.environ["DATABASE_URL"]),
            min_size=int(os.environ.get("FLOOR_POOL_MIN", "10")),
            max_size=int(os.environ.get("FLOOR_POOL_MAX", "20")),
            init=_json_codec,
        )
        # The secrets and the cursor key, as ours derives them from the same environment.
        app.state.settings = load_settings("registry")
        app.state.limiter = RateLimiter(app.state.settings, ServiceMetrics("floor"))
        yield
        await app.state.limiter.close()
        await app.state.pool.close()

    routes = [
        Route("/v1/projects", list_projects),
        Route("/v1/projects/{project_id}", get_project),
        Route("/v1/contacts", list_contacts),
        Route("/v1/councils/{council_id}/members", add_member, methods=["POST"]),
        Route("/v1/contacts/{contact_id}", patch_contact, methods=["PATCH"]),
        Route("/readyz", ready),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        "bench.floor_app:create_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
