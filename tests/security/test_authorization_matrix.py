"""Every route of the three apps × every caller, with the status each caller must get.

``ROUTES`` gives each route's rule: ``PUBLIC``, or the roles that may call it. From the rule:

- no token, an expired one, one signed with another secret, one signed with HS512 or ``alg: none``
  (all claiming ``operator``) → 401 on every route that is not public;
- a role the rule names → neither 401 nor 403 (ids that do not exist and empty bodies give 404 or
  422, so nothing changes);
- any other role → 403, and the service's tables are exactly as before.

The reviewer and municipality callers are bound to a programme and a code nothing here belongs to
(the reviewer is registered for it: an unregistered one is refused every read, see
``test_reviewer_registry_reads.py``); what they may do with rows of *their own* programme or code
is in ``test_ownership.py``. A route the apps serve that is missing here fails
``test_every_route_is_in_the_matrix`` with its name.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.auth import Role
from libs.common.settings import Settings
from services.catalogue import SERVICE_NAMES
from tests.security.callers import (
    BAD_CALLERS,
    CALLERS,
    ROLE_CALLERS,
    caller_headers,
    register_matrix_reviewer,
)
from tests.security.wiring import Wired, fill, fingerprint

# operator, reviewer, municipality, partner, service
OP, RV, MU, PA, SV = Role.operator, Role.reviewer, Role.municipality, Role.partner, Role.service
ANY_ROLE = (OP, RV, MU, PA, SV)
PUBLIC: tuple[Role, ...] = ()
Rule = tuple[Role, ...]

DOCS: dict[tuple[str, str], Rule] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    # Where a problem's `type` leads: a partner follows it from any answer, a 401 included.
    ("GET", "/problems"): PUBLIC,
    ("GET", "/problems/{slug}"): PUBLIC,
}
REGISTRY: dict[tuple[str, str], Rule] = {
    ("GET", "/v1/audit"): (OP,),
    ("GET", "/v1/local-governments"): ANY_ROLE,
    ("GET", "/v1/local-governments/{code}"): ANY_ROLE,
    ("POST", "/v1/local-governments"): (OP,),
    ("PATCH", "/v1/local-governments/{code}"): (OP,),
    ("POST", "/v1/local-governments/imports"): (OP,),
    ("GET", "/v1/local-governments/designations/export.csv"): ANY_ROLE,
    ("POST", "/v1/local-governments/designations/imports"): (OP,),
    ("GET", "/v1/programmes"): ANY_ROLE,
    ("GET", "/v1/programmes/{programme_id}"): ANY_ROLE,
    ("PATCH", "/v1/programmes/{programme_id}"): (OP,),
    ("GET", "/v1/grant-schemes"): ANY_ROLE,
    ("GET", "/v1/grant-schemes/{scheme_id}"): ANY_ROLE,
    ("POST", "/v1/projects/{project_id}/council"): (OP,),
    ("GET", "/v1/projects/{project_id}/council"): ANY_ROLE,
    ("GET", "/v1/councils"): ANY_ROLE,
    ("GET", "/v1/councils/{council_id}"): ANY_ROLE,
    ("PATCH", "/v1/councils/{council_id}"): (OP, MU),
    ("POST", "/v1/councils/{council_id}/members"): (OP, MU),
    ("GET", "/v1/councils/{council_id}/members/{member_id}"): ANY_ROLE,
    ("PATCH", "/v1/councils/{council_id}/members/{member_id}"): (OP, MU),
    ("DELETE", "/v1/councils/{council_id}/members/{member_id}"): (OP, MU),
    # Contacts are people: reviewers have no reason to read them; partners get the public fields.
    ("POST", "/v1/contacts"): (OP, MU),
    ("GET", "/v1/contacts"): (OP, MU, PA, SV),
    ("POST", "/v1/contacts/suppressions"): (OP, SV),
    ("GET", "/v1/contacts/{contact_id}"): (OP, MU, PA, SV),
    ("PATCH", "/v1/contacts/{contact_id}"): (OP, MU),
    ("POST", "/v1/contacts/{contact_id}/links"): (OP, MU),
    ("DELETE", "/v1/contacts/{contact_id}/links/{link_id}"): (OP, MU),
    ("POST", "/v1/contacts/{contact_id}/suppression"): (OP, SV),
    # Lifting a suppression mails someone who asked not to be mailed again: people decide it.
    ("DELETE", "/v1/contacts/{contact_id}/suppression"): (OP,),
    ("POST", "/v1/symposia"): (OP,),
    ("GET", "/v1/symposia"): ANY_ROLE,
    ("GET", "/v1/symposia/{symposium_id}"): ANY_ROLE,
    ("PATCH", "/v1/symposia/{symposium_id}"): (OP,),
    ("POST", "/v1/symposia/{symposium_id}/cancellation"): (OP,),
    ("PUT", "/v1/symposia/{symposium_id}/capacity"): (SV,),
    ("GET", "/v1/symposia/{symposium_id}/audience"): (OP, SV),
    # Published figures are public facts (the stats serve them to every reader); operators
    # add and correct them.
    ("GET", "/v1/published-figures"): ANY_ROLE,
    ("POST", "/v1/published-figures"): (OP,),
    ("GET", "/v1/published-figures/{figure_id}"): ANY_ROLE,
    ("PATCH", "/v1/published-figures/{figure_id}"): (OP,),
    ("GET", "/v1/projects"): ANY_ROLE,
    # The review service registers the regions the joint review selects.
    ("POST", "/v1/projects"): (OP, SV),
    ("GET", "/v1/projects/stats"): ANY_ROLE,
    ("GET", "/v1/projects/export.csv"): ANY_ROLE,
    ("GET", "/v1/projects/export.xlsx"): ANY_ROLE,
    ("POST", "/v1/projects/imports"): (OP,),
    ("GET", "/v1/projects/{project_id}"): ANY_ROLE,
    ("PATCH", "/v1/projects/{project_id}"): (OP, MU),
    ("GET", "/v1/projects/{project_id}/activity-reports"): ANY_ROLE,
    ("GET", "/v1/projects/{project_id}/term-history"): ANY_ROLE,
    ("PUT", "/v1/projects/{project_id}/activity-reports/{fiscal_year}"): (OP, MU),
    # Terms change only by a continuation decision, which the review service carries out.
    ("POST", "/v1/projects/{project_id}/term-extensions"): (SV,),
    ("POST", "/v1/projects/{project_id}/term-end"): (SV,),
    ("POST", "/v1/projects/term-ends"): (SV,),
}
REVIEW: dict[tuple[str, str], Rule] = {
    ("GET", "/v1/audit"): (OP,),
    ("POST", "/v1/joint-review-rounds"): (OP,),
    ("GET", "/v1/joint-review-rounds"): ANY_ROLE,
    ("GET", "/v1/joint-review-rounds/{round_id}"): ANY_ROLE,
    ("POST", "/v1/joint-review-rounds/{round_id}/close"): (OP,),
    ("POST", "/v1/joint-review-rounds/{round_id}/selections"): (OP,),
    ("GET", "/v1/joint-review-rounds/{round_id}/selections"): (OP,),
    ("DELETE", "/v1/joint-review-rounds/{round_id}/selections/{selection_id}"): (OP,),
    ("POST", "/v1/joint-review-rounds/{round_id}/applications"): (OP, MU),
    ("GET", "/v1/joint-review-rounds/{round_id}/applications"): (OP, RV, MU),
    ("GET", "/v1/joint-review-rounds/{round_id}/applications/{app_id}"): (OP, RV, MU),
    ("PUT", "/v1/joint-review-rounds/{round_id}/applications/{app_id}/assessment"): (RV,),
    ("GET", "/v1/joint-review-rounds/{round_id}/applications/{app_id}/assessments"): (OP, RV),
    ("GET", "/v1/joint-review-rounds/{round_id}/results"): ANY_ROLE,
    ("GET", "/v1/joint-review-rounds/{round_id}/results.csv"): ANY_ROLE,
    ("GET", "/v1/joint-review-rounds/{round_id}/results.xlsx"): ANY_ROLE,
    # The internal workbook: scores, comments, every application's amounts.
    ("GET", "/v1/joint-review-rounds/{round_id}/applications.xlsx"): (OP,),
    ("POST", "/v1/reviewers"): (OP,),
    ("GET", "/v1/reviewers"): (OP,),
    ("GET", "/v1/reviewers/{subject}"): (OP,),
    ("POST", "/v1/organisation-aliases"): (OP,),
    ("GET", "/v1/organisation-aliases"): (OP,),
    ("GET", "/v1/organisation-aliases/{alias_id}"): (OP,),
    ("PATCH", "/v1/organisation-aliases/{alias_id}"): (OP,),
    ("DELETE", "/v1/organisation-aliases/{alias_id}"): (OP,),
    ("POST", "/v1/continuation-cycles"): (OP,),
    ("GET", "/v1/continuation-cycles"): (OP, MU, RV),
    ("GET", "/v1/continuation-cycles/{cycle_id}"): (OP, MU, RV),
    ("GET", "/v1/continuation-cycles/{cycle_id}/projects"): (OP,),
    ("POST", "/v1/continuation-cycles/{cycle_id}/grace-periods"): (OP,),
    # Only the lead proposer writes an application; the office reads and decides.
    ("POST", "/v1/continuation-cycles/{cycle_id}/applications"): (MU,),
    ("GET", "/v1/continuation-cycles/{cycle_id}/applications"): (OP, MU),
    ("GET", "/v1/continuation-applications/{application_id}"): (OP, MU, RV),
    ("PATCH", "/v1/continuation-applications/{application_id}"): (MU,),
    ("POST", "/v1/continuation-applications/{application_id}/submission"): (MU,),
    ("POST", "/v1/continuation-applications/{application_id}/assignments"): (OP,),
    ("GET", "/v1/continuation-applications/{application_id}/assignments"): (OP,),
    (
        "POST",
        "/v1/continuation-applications/{application_id}/assignments/{assignment_id}/withdrawal",
    ): (OP,),
    ("PUT", "/v1/continuation-applications/{application_id}/assessment"): (RV,),
    ("POST", "/v1/continuation-applications/{application_id}/assessment/submission"): (RV,),
    ("GET", "/v1/continuation-applications/{application_id}/assessments"): (OP, RV),
    ("POST", "/v1/continuation-applications/{application_id}/decision"): (OP,),
    ("GET", "/v1/continuation-applications/{application_id}/decision"): (OP, MU, RV),
}
NOTIFY: dict[tuple[str, str], Rule] = {
    ("POST", "/v1/campaigns"): (OP,),
    ("GET", "/v1/campaigns"): (OP,),
    ("GET", "/v1/campaigns/{campaign_id}"): (OP,),
    ("POST", "/v1/campaigns/{campaign_id}/approval"): (OP,),
    ("POST", "/v1/campaigns/{campaign_id}/cancellation"): (OP,),
    # Opened from a letter: the signed token in the path is the credential.
    ("GET", "/v1/rsvp/{token}"): PUBLIC,
    ("POST", "/v1/rsvp/{token}"): PUBLIC,
    ("GET", "/v1/unsubscribe/{token}"): PUBLIC,
    ("POST", "/v1/unsubscribe/{token}"): PUBLIC,
    ("GET", "/v1/symposia/{symposium_id}/rsvp-summary"): (OP,),
    ("PUT", "/v1/symposia/{symposium_id}/capacity"): (OP,),
    ("GET", "/v1/symposia/{symposium_id}/attendees"): (OP,),
    ("GET", "/v1/symposia/{symposium_id}/attendees.csv"): (OP,),
    ("GET", "/v1/symposia/{symposium_id}/attendees.xlsx"): (OP,),
    ("GET", "/v1/campaigns/{campaign_id}/report"): (OP,),
    ("POST", "/v1/deliveries/{delivery_id}/resend"): (OP,),
    ("GET", "/v1/audit"): (OP,),
    ("POST", "/v1/messages"): (OP, SV),
    ("GET", "/v1/messages/{message_id}"): (OP, SV),
    ("GET", "/v1/deliveries"): (OP,),
    ("POST", "/v1/bounces"): (OP, SV),
    ("POST", "/v1/previews"): (OP,),
}
ROUTES: dict[str, dict[tuple[str, str], Rule]] = {
    "registry": {**DOCS, **REGISTRY},
    "review": {**DOCS, **REVIEW},
    "notify": {**DOCS, **NOTIFY},
}

BODY_METHODS = {"POST", "PUT", "PATCH"}
ALLOWED, UNAUTHENTICATED, FORBIDDEN = "not 401/403", "401", "403"


def served_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    for route in iter_route_contexts(app.routes):
        methods = set(route.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")  # Starlette adds HEAD to every GET route
        for method in sorted(methods):
            yield method, str(route.path)


def expected(rule: Rule, caller: str) -> str:
    if rule == PUBLIC:
        return ALLOWED
    if caller in BAD_CALLERS:
        return UNAUTHENTICATED
    return ALLOWED if ROLE_CALLERS[caller] in rule else FORBIDDEN


def agrees(expectation: str, status: int) -> bool:
    if expectation == ALLOWED:
        return status not in (401, 403)
    return str(status) == expectation


def test_every_route_is_in_the_matrix(make_settings: Callable[..., Settings]) -> None:
    for service in SERVICE_NAMES:
        app = importlib.import_module(f"services.{service}.app").create_app(make_settings(service))
        served = set(served_routes(app))
        missing = sorted(served - set(ROUTES[service]))
        assert not missing, f"{service}: add these routes to the matrix: {missing}"
        stale = sorted(set(ROUTES[service]) - served)
        assert not stale, f"{service}: the matrix lists routes the app does not serve: {stale}"


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_each_caller_gets_what_the_matrix_says(
    service: str,
    wired: Wired,
    connection: AsyncConnection,
    make_settings: Callable[..., Settings],
) -> None:
    headers = caller_headers(make_settings(service))
    client = wired.clients[service]
    if service == "review":
        await register_matrix_reviewer(connection)
    wrong: list[str] = []
    for (method, path), rule in ROUTES[service].items():
        for caller in CALLERS:
            expectation = expected(rule, caller)
            problem = await _call(
                connection, client, service, method, fill(path), headers[caller], expectation
            )
            if problem:
                wrong.append(f"{method} {path} as {caller}: {problem}")
    assert not wrong, "\n".join(wrong)


async def _call(
    connection: AsyncConnection,
    client: httpx.AsyncClient,
    service: str,
    method: str,
    url: str,
    headers: dict[str, str],
    expectation: str,
) -> str | None:
    """One call in a savepoint of its own (rolled back), so no call sees another's effects."""
    savepoint = await connection.begin_nested()
    try:
        refused = expectation != ALLOWED
        before = await fingerprint(connection, service) if refused else None
        body = {} if method in BODY_METHODS else None
        response = await client.request(method, url, headers=headers, json=body)
        status = response.status_code
        if status >= 500 and not (url == "/readyz" and status == 503):
            return f"{status} {response.text[:200]}"
        if not agrees(expectation, status):
            return f"{status}, expected {expectation}"
        if refused and await fingerprint(connection, service) != before:
            return f"refused with {status} but the {service} tables changed"
        return None
    finally:
        await savepoint.rollback()


async def test_an_rsvp_link_is_no_api_token_and_an_api_token_no_rsvp_link(
    wired: Wired, make_settings: Callable[..., Settings]
) -> None:
    """Both are HS256 JWTs under the same secret; the audience and the required claims keep
    each in its place."""
    from services.notify.letters.links import sign_link

    settings = make_settings("notify")
    link = sign_link(
        settings,
        action="rsvp",
        contact_id=uuid.UUID(int=2),
        symposium_id=uuid.UUID(int=1),
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    as_bearer = await wired.clients["notify"].get(
        "/v1/deliveries", headers={"Authorization": f"Bearer {link}"}
    )
    assert as_bearer.status_code == 401
    operator = caller_headers(settings)["operator"]["Authorization"].removeprefix("Bearer ")
    as_link = await wired.clients["notify"].get(f"/v1/rsvp/{operator}")
    assert as_link.status_code == 400 and as_link.headers["content-type"].startswith("text/html")
