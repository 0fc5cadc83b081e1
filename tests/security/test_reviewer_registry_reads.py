"""Reviewer reads: only as a registered reviewer, and never of an application one is conflicted on.

One world holds both reviews. Continuation: 富山市's application A and 仙北市's B, both assigned to
two reviewers of ☆; after the assignments 富山市's council takes in 東北大学, which makes the
reviewer from 東北大学 conflicted on A (the council is read again, as at assignment). Joint review:
J-A (富山市 with 秩父市) and J-B (仙北市) apply to ☆, J-C (福山市) to ○; the same 東北大学 reviewer
is an officer of 秩父市 (``lg_code``), so conflicted on J-A.

Every route a reviewer may GET is called by four callers: the programme's registered reviewer, a
token with the same ``programme`` claim whose subject was never registered, a registered reviewer of
another programme, and the conflicted reviewer. The unregistered token gets 403 problem+json
everywhere; the conflicted reviewer 404 on A, J-A and their sub-resources, and neither id appears in
any body they get (lists included, page by page); their assessment writes to A and J-A are a 403
naming ``conflict_of_interest``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from services.registry.seed.local_governments import seed_local_governments
from services.registry.seed.programmes import seed_programmes
from tests.fixtures.apps import FrozenClock
from tests.review.continuation_support import (
    CONTINUED,
    Cohort,
    Project,
    Steps,
    add_council,
    ok,
)
from tests.review.joint.conftest import application_body, round_body
from tests.security.test_authorization_matrix import REVIEW, RV
from tests.security.wiring import Wired

TOYAMA, SENBOKU, CHICHIBU, FUKUYAMA = "162019", "052159", "112071", "342076"
PROGRAMME, OTHER = "mirai-gijutsu", "meti-maas"
CALLERS = ("registered", "unregistered", "other_programme", "conflicted")
SUBJECTS = {
    "registered": "rv-registered",
    "unregistered": "rv-never-registered",
    "other_programme": "rv-other-programme",
    "conflicted": "rv-conflicted",
}
PROGRAMMES = {
    "registered": PROGRAMME,
    "unregistered": PROGRAMME,
    "other_programme": OTHER,
    "conflicted": PROGRAMME,
}
CONFLICTED_ORGANISATION = "東北大学"


@dataclass(frozen=True)
class World:
    cycle: str
    a: str  # continuation application of 富山市: the conflicted reviewer's is hidden
    b: str  # continuation application of 仙北市
    round: str
    j_a: str  # joint application of 富山市 + 秩父市: conflicted
    j_b: str  # joint application of 仙北市
    j_c: str  # joint application to ○ only

    @property
    def hidden(self) -> tuple[str, str]:
        return self.a, self.j_a


def _reviewer(caller: str, **extra: Any) -> dict[str, Any]:
    subject = SUBJECTS[caller]
    return {
        "subject": subject,
        "name": f"審査員 {subject}",
        "email": f"{subject}@example.ac.jp",
        "organisation": "東京大学",
        "programme": PROGRAMMES[caller],
        **extra,
    }


async def _project(
    registry: httpx.AsyncClient, auth: Callable[..., dict[str, str]], item: Cohort
) -> Project:
    """An R1 ☆ project with its council (no contacts: no message is sent here)."""
    body = {
        "title": item.title,
        "proposers": [{"lg_code": item.lg_code, "is_lead": True}],
        "selection_fiscal_year": "R1",
    }
    project = ok(await registry.post("/v1/projects", json=body, headers=auth()), 201)
    await add_council(registry, auth, project["id"], item)
    return Project(project["id"], item.lg_code, item.title, "")


async def _continuation(
    wired: Wired, auth: Callable[..., dict[str, str]], clock: FrozenClock
) -> tuple[str, str, str]:
    review, registry = wired.clients["review"], wired.clients["registry"]
    steps = Steps(review, auth)
    toyama = await _project(registry, auth, CONTINUED[1])
    senboku = await _project(registry, auth, CONTINUED[0])
    cycle = (await steps.open_cycle())["id"]
    clock.set("2021-10-01T10:00:00")
    ids = []
    for project in (toyama, senboku):
        application, etag = await steps.draft(cycle, project)
        ok(await steps.submit(application, etag, project.lg_code))
        ids.append(application)
    a, b = ids
    for application in (a, b):
        for caller in ("registered", "conflicted"):
            ok(await steps.assign(application, SUBJECTS[caller]), 201)
    clock.set("2021-11-10T10:00:00")
    registered = auth(Role.reviewer, **_claims("registered"))
    draft = {c: {"score": 4, "comment": "妥当"} for c in ("future_vision", "achievements", "plan")}
    for application in (a, b):
        url = f"/v1/continuation-applications/{application}/assessment"
        saved = await review.put(url, json=draft, headers=registered)
        ok(saved)
        if_match = {"If-Match": saved.headers["ETag"]}
        ok(await review.post(f"{url}/submission", headers={**registered, **if_match}))
    # The council grows after the assignments: the 東北大学 reviewer is now conflicted on A.
    council = ok(await registry.get(f"/v1/projects/{toyama.id}/council", headers=auth()))
    member = {"organisation": CONFLICTED_ORGANISATION, "category": "university"}
    ok(
        await registry.post(f"/v1/councils/{council['id']}/members", json=member, headers=auth()),
        201,
    )
    clock.set("2021-12-10T10:00:00")
    decision = await review.post(
        f"/v1/continuation-applications/{a}/decision",
        json={"outcome": "approved", "reason": "事業成果が十分"},
        headers={**auth(), "If-Match": await steps.etag(a)},
    )
    ok(decision, 201)
    return cycle, a, b


async def _joint(
    wired: Wired, auth: Callable[..., dict[str, str]], clock: FrozenClock
) -> list[str]:
    review = wired.clients["review"]
    clock.set("2022-01-20T10:00:00")
    round_id = ok(
        await review.post("/v1/joint-review-rounds", json=round_body(), headers=auth()), 201
    )["id"]
    ids = [round_id]
    for lead, members, programmes in (
        (TOYAMA, [TOYAMA, CHICHIBU], [PROGRAMME]),
        (SENBOKU, [SENBOKU], [PROGRAMME]),
        (FUKUYAMA, [FUKUYAMA], [OTHER]),
    ):
        body = application_body(lead, members=members, programmes=programmes)
        url = f"/v1/joint-review-rounds/{round_id}/applications"
        ids.append(ok(await review.post(url, json=body, headers=auth()), 201)["id"])
    scores = {c: {"score": 4, "comment": "妥当"} for c in ("innovation", "feasibility", "spread")}
    url = f"/v1/joint-review-rounds/{round_id}/applications/{ids[1]}/assessment"
    ok(
        await review.put(url, json=scores, headers=auth(Role.reviewer, **_claims("registered"))),
        201,
    )
    return ids


def _claims(caller: str) -> dict[str, str]:
    return {"subject": SUBJECTS[caller], "programme": PROGRAMMES[caller]}


@pytest.fixture
async def world(wired: Wired, session: AsyncSession, token: Callable[..., str]) -> World:
    await seed_local_governments(session)
    await seed_programmes(session)
    await session.commit()  # a savepoint inside the test's transaction

    def auth(role: Role = Role.operator, **claims: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(role, **claims)}"}

    clock = FrozenClock()
    wired.apps["review"].state.clock = clock
    for caller, extra in (
        ("registered", {}),
        ("other_programme", {}),
        ("conflicted", {"organisation": CONFLICTED_ORGANISATION, "lg_code": CHICHIBU}),
    ):
        body = _reviewer(caller, **extra)
        ok(await wired.clients["review"].post("/v1/reviewers", json=body, headers=auth()), 201)
    cycle, a, b = await _continuation(wired, auth, clock)
    round_id, j_a, j_b, j_c = await _joint(wired, auth, clock)
    return World(cycle, a, b, round_id, j_a, j_b, j_c)


def routes(w: World) -> dict[str, tuple[str, dict[str, int]]]:
    """Route template → (URL in this world, the status each caller gets)."""
    listed = {"registered": 200, "unregistered": 403, "other_programme": 200, "conflicted": 200}
    hidden = {"registered": 200, "unregistered": 403, "other_programme": 404, "conflicted": 404}
    embargoed = {"registered": 404, "unregistered": 403, "other_programme": 404, "conflicted": 404}
    cycle, application = "/v1/continuation-cycles", "/v1/continuation-applications"
    rounds = "/v1/joint-review-rounds"
    joint = f"{rounds}/{w.round}/applications"
    return {
        f"{cycle}": (cycle, listed),
        f"{cycle}/{{cycle_id}}": (f"{cycle}/{w.cycle}", listed),
        f"{application}/{{application_id}}": (f"{application}/{w.a}", hidden),
        f"{application}/{{application_id}}/assessments": (
            f"{application}/{w.a}/assessments",
            hidden,
        ),
        f"{application}/{{application_id}}/decision": (f"{application}/{w.a}/decision", hidden),
        rounds: (rounds, listed),
        f"{rounds}/{{round_id}}": (f"{rounds}/{w.round}", listed),
        f"{rounds}/{{round_id}}/applications": (joint, listed),
        f"{rounds}/{{round_id}}/applications/{{app_id}}": (f"{joint}/{w.j_a}", hidden),
        f"{rounds}/{{round_id}}/applications/{{app_id}}/assessments": (
            f"{joint}/{w.j_a}/assessments",
            hidden,
        ),
        f"{rounds}/{{round_id}}/results": (f"{rounds}/{w.round}/results", embargoed),
        f"{rounds}/{{round_id}}/results.csv": (f"{rounds}/{w.round}/results.csv", embargoed),
        f"{rounds}/{{round_id}}/results.xlsx": (f"{rounds}/{w.round}/results.xlsx", embargoed),
    }


def test_the_matrix_has_every_route_a_reviewer_may_get() -> None:
    readable = {path for (method, path), rule in REVIEW.items() if method == "GET" and RV in rule}
    world = World(*(f"<{n}>" for n in ("cycle", "a", "b", "round", "j_a", "j_b", "j_c")))
    assert set(routes(world)) == readable


async def test_each_reviewer_reads_only_as_registered_and_never_a_conflicted_application(
    wired: Wired, world: World, token: Callable[..., str]
) -> None:
    review = wired.clients["review"]
    wrong = []
    for template, (url, statuses) in routes(world).items():
        for caller in CALLERS:
            headers = {"Authorization": f"Bearer {token(Role.reviewer, **_claims(caller))}"}
            response = await review.get(url, headers=headers)
            if response.status_code != statuses[caller]:
                wrong.append(
                    f"GET {template} as {caller}: {response.status_code} {response.text[:160]}"
                )
            if response.status_code >= 400 and not response.headers["content-type"].startswith(
                "application/problem+json"
            ):
                wrong.append(f"GET {template} as {caller}: no problem+json")
            # A refusal echoes the path asked for (``instance``); an answer names nothing hidden.
            shown = response.text if response.status_code < 400 else ""
            if caller != "registered" and any(i in shown for i in world.hidden):
                wrong.append(f"GET {template} as {caller}: the conflicted application shows")
    assert not wrong, "\n".join(wrong)


async def test_what_each_reviewer_sees_of_the_other_applications(
    wired: Wired, world: World, token: Callable[..., str]
) -> None:
    """The conflict hides one application, not the reviewer's work: B and J-B stay readable."""
    review = wired.clients["review"]

    def headers(caller: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(Role.reviewer, **_claims(caller))}"}

    joint = f"/v1/joint-review-rounds/{world.round}/applications"
    expected = {
        "registered": {world.j_a, world.j_b},
        "other_programme": {world.j_c},
        "conflicted": {world.j_b},
    }
    for caller, ids in expected.items():
        seen, url = [], f"{joint}?limit=1"
        while url:  # page by page: a page that loses a row to a conflict is topped up
            page = ok(await review.get(url, headers=headers(caller)))
            seen += [item["id"] for item in page["items"]]
            url = page["next"]
        assert (caller, set(seen)) == (caller, ids)
        assert len(seen) == len(ids)
    for caller in ("registered", "conflicted"):
        ok(await review.get(f"/v1/continuation-applications/{world.b}", headers=headers(caller)))
        ok(await review.get(f"{joint}/{world.j_b}", headers=headers(caller)))
    assessments = ok(
        await review.get(
            f"/v1/continuation-applications/{world.b}/assessments", headers=headers("conflicted")
        )
    )
    assert world.a not in str(assessments)
    # A write is refused, naming the rule: the application would be theirs (assigned; of their
    # programme) but for the conflict, so they are told why; nothing is stored.
    scores = {c: {"score": 4, "comment": "妥当"} for c in ("innovation", "feasibility", "spread")}
    put = await review.put(
        f"{joint}/{world.j_a}/assessment", json=scores, headers=headers("conflicted")
    )
    draft = {c: {"score": 3, "comment": "妥当"} for c in ("future_vision", "achievements", "plan")}
    saved = await review.put(
        f"/v1/continuation-applications/{world.a}/assessment",
        json=draft,
        headers=headers("conflicted"),
    )
    for refused in (put, saved):
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["rule"] == "conflict_of_interest"
    # A reviewer of another programme still gets 404: not theirs, conflict or not.
    other = await review.put(
        f"{joint}/{world.j_a}/assessment", json=scores, headers=headers("other_programme")
    )
    assert other.status_code == 404


async def test_a_continuation_only_reviewer_reads_with_the_continuation_programmes_token(
    wired: Wired, world: World, token: Callable[..., str]
) -> None:
    """A reviewer registered without a programme reviews continuations only: their token claims
    ☆; a token claiming another programme is not theirs (403)."""
    review = wired.clients["review"]
    operator = {"Authorization": f"Bearer {token(Role.operator)}"}
    body = {**_reviewer("registered"), "subject": "rv-continuation", "programme": None}
    ok(await review.post("/v1/reviewers", json=body, headers=operator), 201)
    ok(
        await review.post(
            f"/v1/continuation-applications/{world.b}/assignments",
            json={"reviewer_subject": "rv-continuation"},
            headers=operator,
        ),
        201,
    )
    url = f"/v1/continuation-applications/{world.b}"
    for programme, status in (("☆", 200), (PROGRAMME, 403), (OTHER, 403)):
        bearer = token(Role.reviewer, subject="rv-continuation", programme=programme)
        headers = {"Authorization": f"Bearer {bearer}"}
        assert (programme, (await review.get(url, headers=headers)).status_code) == (
            programme,
            status,
        )


async def test_a_reviewer_registered_by_a_mark_is_stored_under_the_programmes_id(
    wired: Wired, world: World, token: Callable[..., str]
) -> None:
    """Registered by its mark (☆), a reviewer was stored under the mark and, the joint review
    naming programmes by id, saw nothing at all: the mark is stored as the id; an unknown one is
    a 422 naming ``programme`` that registers nothing."""
    review = wired.clients["review"]
    operator = {"Authorization": f"Bearer {token(Role.operator)}"}
    body = {**_reviewer("registered"), "subject": "rv-by-mark", "programme": "☆"}
    created = ok(await review.post("/v1/reviewers", json=body, headers=operator), 201)
    assert (created["programme"], created["programme_mark"]) == ("mirai-gijutsu", "☆")
    # Reads show both, and a list filters by either.
    read = ok(await review.get("/v1/reviewers/rv-by-mark", headers=operator))
    assert (read["programme"], read["programme_mark"]) == ("mirai-gijutsu", "☆")
    for given in ("☆", "mirai-gijutsu"):
        listed = ok(await review.get(f"/v1/reviewers?programme={given}", headers=operator))
        assert "rv-by-mark" in [r["subject"] for r in listed["items"]]
    unknown = {**body, "subject": "rv-unknown", "programme": "◎"}
    refused = await review.post("/v1/reviewers", json=unknown, headers=operator)
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("body.programme", "unknown_programme")
    ]
    assert (await review.get("/v1/reviewers/rv-unknown", headers=operator)).status_code == 404


async def test_a_joint_reviewer_registered_by_mark_works_with_a_token_naming_the_mark(
    wired: Wired, world: World, token: Callable[..., str]
) -> None:
    """Registered by ☆ (stored as its id), the reviewer's token may name the programme either
    way and sees the same applications; a continuation-only reviewer is told it has no
    joint-review programme (403), never handed an empty list that reads as "nothing to do"."""
    review = wired.clients["review"]
    operator = {"Authorization": f"Bearer {token(Role.operator)}"}
    body = {**_reviewer("registered"), "subject": "rv-star-joint", "programme": "☆"}
    ok(await review.post("/v1/reviewers", json=body, headers=operator), 201)
    joint = f"/v1/joint-review-rounds/{world.round}/applications"
    seen = {}
    for claim in ("☆", PROGRAMME):
        bearer = token(Role.reviewer, subject="rv-star-joint", programme=claim)
        page = ok(await review.get(joint, headers={"Authorization": f"Bearer {bearer}"}))
        seen[claim] = sorted(item["id"] for item in page["items"])
    assert seen["☆"] == seen[PROGRAMME] != []

    only = {**_reviewer("registered"), "subject": "rv-continuation-only", "programme": None}
    ok(await review.post("/v1/reviewers", json=only, headers=operator), 201)
    bearer = token(Role.reviewer, subject="rv-continuation-only", programme="☆")
    refused = await review.get(joint, headers={"Authorization": f"Bearer {bearer}"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"].startswith("合同審査の審査員として登録されていません")
