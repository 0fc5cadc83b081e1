"""Applications (申請): a region applies to programmes of an open round under one grant scheme,
checked against the scheme's rules as the registry states them; who may see which application."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role
from libs.common.errors import FieldProblem, Forbidden, InvalidInput, NotFound, RuleViolation
from libs.common.etag import representation_etag
from libs.common.field_checks import FieldChecks, invalid
from libs.common.fiscal_year import TOKYO, fiscal_year_label, now_tokyo
from services.review.audit.service import audited
from services.review.joint_review import registry as registry_calls
from services.review.joint_review import rules
from services.review.joint_review.applications import repository
from services.review.joint_review.applications.regions import (
    Region,
    region_codes,
    region_keys,
    registry_members,
)
from services.review.joint_review.applications.schemas import (
    JointReviewApplicationCreate,
    JointReviewApplicationOut,
    application_out,
)
from services.review.joint_review.models import JointApplication, JointReviewRound
from services.review.joint_review.registry import Record
from services.review.joint_review.rounds.service import fire, get_round, programme_of
from services.review.joint_review.states import JointReviewEvent
from services.review.joint_review.visibility import selected_programmes
from services.review.registry_client import RegistryClient
from services.review.reviewers.access import (
    conflict_judge,
    refuse_conflicted,
    registered_reviewer,
)
from services.review.reviewers.conflicts import ConflictSubject


def application_etag(application: JointApplication, out: JointReviewApplicationOut) -> str:
    """The ETag of the representation ``out`` of the application (one per representation)."""
    return representation_etag("joint-application", application.id, out)


def _check_window(round_: JointReviewRound, now: datetime) -> None:
    fire(round_, JointReviewEvent.submit_application)
    opens, deadline = round_.call_opens_on, round_.deadline_effective_at
    if opens is None or deadline is None or not (opens <= now.date() and now <= deadline):
        shown = deadline.astimezone(TOKYO).isoformat() if deadline else None
        raise RuleViolation(
            f"応募期間外です（公募開始 {opens} 〜 締切 {shown}）"
            " — applications are taken from the call opening to the (effective) deadline",
            rule="application_window",
            call_opens_on=opens.isoformat() if opens else None,
            deadline_effective_at=shown,
        )


def _funding(body: JointReviewApplicationCreate, fiscal_year: int) -> list[dict[str, int]]:
    """Funding years are distinct and fall within the project's years, from the round's year."""
    last = fiscal_year + body.duration_years - 1
    seen: set[int] = set()
    problems = []
    for index, year in enumerate(body.funding):
        if year.fiscal_year in seen or not fiscal_year <= year.fiscal_year <= last:
            problems.append(
                FieldProblem(
                    field=f"body.funding.{index}.fiscal_year",
                    rule="funding_year",
                    message=f"国費の年度は{fiscal_year_label(fiscal_year)}〜"
                    f"{fiscal_year_label(last)}で重複なく指定してください"
                    f"（each year once, {fiscal_year}–{last}）",
                )
            )
        seen.add(year.fiscal_year)
    if problems:
        raise invalid(problems)
    return [
        {"fiscal_year": y.fiscal_year, "amount_yen": y.amount_yen}
        for y in sorted(body.funding, key=lambda y: y.fiscal_year)
    ]


async def _checked_scheme(registry: RegistryClient, scheme_id: str) -> Record:
    scheme = await registry_calls.grant_scheme(registry, scheme_id)
    if scheme is None:
        raise InvalidInput.field(
            "body.scheme",
            "unknown_scheme",
            f"台帳に交付金の種類がありません: {scheme_id!r}（not in /v1/grant-schemes）",
        )
    return scheme


async def _check_quota(
    session: AsyncSession,
    scheme: Record,
    *,
    kind: str,
    lead: str,
    fiscal_year: int,
    wide_area: bool,
) -> str | None:
    """Count and check the applicant's quota; the scheme's quota group, or None outside it."""
    quota_group: str | None = None if scheme.get("outside_quota") else scheme.get("quota_group")
    if quota_group:
        # Serialised per applicant and year, so two submissions at once cannot both fit.
        await repository.lock_applicant(session, lead, fiscal_year)
        used = await repository.quota_use(
            session, lg_code=lead, fiscal_year=fiscal_year, quota_group=quota_group
        )
        rules.check_quota(
            scheme, kind=kind, lg_code=lead, fiscal_year=fiscal_year, wide_area=wide_area, used=used
        )
    return quota_group


def _programme_ids(round_: JointReviewRound, refs: Sequence[str]) -> list[str]:
    checks = FieldChecks()
    found = [
        checks.run(partial(programme_of, round_, ref, f"body.programmes.{i}"))
        for i, ref in enumerate(refs)
    ]
    checks.raise_any()
    return list(dict.fromkeys(p.programme_id for p in found if p is not None))


def _new_application(
    body: JointReviewApplicationCreate,
    round_: JointReviewRound,
    region: Region,
    *,
    programme_ids: list[str],
    scheme: Record,
    funding: list[dict[str, int]],
    quota_group: str | None,
    actor: str,
) -> JointApplication:
    return JointApplication(
        id=uuid.uuid4(),
        round_id=round_.id,
        fiscal_year=round_.fiscal_year,
        title=body.title,
        region_label=body.region.label,
        region_keys=region_keys(body.region.label, region.lead_record),
        lead_lg_code=region.lead,
        lg_codes=region.codes,
        members=[
            {k: m[k] for k in ("code", "name", "prefecture", "is_lead")} for m in region.members
        ],
        programme_ids=programme_ids,
        scheme_id=scheme["id"],
        scheme_name=scheme["name"],
        quota_group=quota_group,
        applicant_kind=rules.applicant_kind(region.lead_record),
        wide_area=body.wide_area,
        duration_years=body.duration_years,
        funding=funding,
        round_year_amount_yen=sum(
            y["amount_yen"] for y in funding if y["fiscal_year"] == round_.fiscal_year
        ),
        conditions=list(body.conditions),
        summary=body.summary,
        contact_name=body.contact.name if body.contact else None,
        contact_email=body.contact.email if body.contact else None,
        submitted_by=actor,
    )


async def submit(
    session: AsyncSession,
    *,
    registry: RegistryClient,
    principal: Principal,
    round_id: uuid.UUID,
    body: JointReviewApplicationCreate,
    now: datetime | None = None,
) -> JointApplication:
    """Check the call, the region, the scheme's rules (from the registry) and the quota; store."""
    round_ = await get_round(session, round_id=round_id)
    _check_window(round_, now or now_tokyo())
    # The body's own field rules, all reported at once; then what depends on the registry.
    checks = FieldChecks()
    codes_and_lead = checks.run(lambda: region_codes(body.region))
    programme_ids = checks.run(lambda: _programme_ids(round_, body.programmes))
    funding = checks.run(lambda: _funding(body, round_.fiscal_year))
    checks.raise_any()
    assert codes_and_lead is not None and programme_ids is not None and funding is not None
    codes, lead = codes_and_lead
    if principal.role is Role.municipality and principal.lg_code != lead:
        raise Forbidden("代表団体のみ申請できます（only the lead local government may apply）")
    scheme = await _checked_scheme(registry, body.scheme)
    region = Region(codes, lead, await registry_members(registry, codes, lead))
    kind = rules.applicant_kind(region.lead_record)
    rules.check_max_years(scheme, body.duration_years)
    rules.check_yearly_caps(scheme, kind, funding)
    rules.check_conditions(scheme, body.conditions)
    quota_group = await _check_quota(
        session,
        scheme,
        kind=kind,
        lead=lead,
        fiscal_year=round_.fiscal_year,
        wide_area=body.wide_area,
    )
    application = _new_application(
        body,
        round_,
        region,
        programme_ids=programme_ids,
        scheme=scheme,
        funding=funding,
        quota_group=quota_group,
        actor=principal.actor,
    )
    async with audited(
        session,
        application,
        kind="created",
        actor=principal,
        action="joint_review_application.submitted",
        subject_type="joint_review_application",
        snapshot=submitted,
    ):
        await repository.insert(session, application)
    return application


def submitted(application: JointApplication) -> dict[str, Any]:
    """An application as its audit event records it: what was asked of whom, for how much."""
    return {
        "round_id": str(application.round_id),
        "title": application.title,
        "lead_lg_code": application.lead_lg_code,
        "programme_ids": list(application.programme_ids),
        "scheme_id": application.scheme_id,
        "round_year_amount_yen": application.round_year_amount_yen,
    }


def can_see(principal: Principal, application: JointApplication) -> bool:
    """Operators see all; reviewers their programme's; municipalities those they are part of."""
    if principal.role is Role.operator:
        return True
    if principal.role is Role.reviewer:
        return principal.programme in application.programme_ids
    if principal.role is Role.municipality:
        return principal.lg_code in application.lg_codes
    return False


def conflict_subject(application: JointApplication) -> ConflictSubject:
    """What a reviewer's conflicts of interest are judged against: the applying region's local
    governments (each member's code, name and prefecture)."""
    return ConflictSubject.of(proposers=[{**m, "lg_code": m["code"]} for m in application.members])


async def _conflicts(
    session: AsyncSession, principal: Principal
) -> Callable[[JointApplication], list[str]]:
    """Why an application is hidden from this caller beyond ``can_see``: a reviewer's conflicts
    (``reviewers/access.py``); nothing for other roles."""
    if principal.role is not Role.reviewer:
        return lambda _: []
    reviewer = await registered_reviewer(session, principal)
    judge = await conflict_judge(session)
    return lambda application: judge(reviewer, conflict_subject(application))


async def visible_application(
    session: AsyncSession,
    *,
    principal: Principal,
    round_id: uuid.UUID,
    app_id: uuid.UUID,
    write: bool = False,
) -> JointApplication:
    """404 for an application the caller may not see, so its existence is not disclosed; but a
    ``write`` by a reviewer of its programme who is conflicted is a 403 naming the conflict."""
    application = await repository.get_application(session, app_id)
    if application is None or application.round_id != round_id:
        raise NotFound(f"申請がありません（no application {app_id} visible to you）")
    if can_see(principal, application):
        reasons = (await _conflicts(session, principal))(application)
        if not reasons:
            return application
        if write:
            refuse_conflicted(await registered_reviewer(session, principal), reasons)
    raise NotFound(f"申請がありません（no application {app_id} visible to you）")


async def list_visible(
    session: AsyncSession,
    *,
    principal: Principal,
    round_id: uuid.UUID,
    programme: str | None,
    after: str | None,
    limit: int,
) -> list[JointApplication]:
    """Up to ``limit`` applications of the round the caller may see, in id order after ``after``
    (404 for no such round).

    SQL filters by the caller's programme or code; a reviewer's conflicts are judged here, because
    ``conflicts.py`` compares normalised names, which SQL cannot. A batch that loses rows to them
    is topped up from the rows that follow, so a page stays full and its cursor exact."""
    round_ = await get_round(session, round_id=round_id)
    conflicts = await _conflicts(session, principal)
    wanted = programme_of(round_, programme, "query.programme").programme_id if programme else None
    filters = list_filter(principal, round_id, wanted)
    found: list[JointApplication] = []
    while True:
        rows = await repository.list_applications(session, filters, after=after, limit=limit)
        found += [application for application in rows if not conflicts(application)]
        if len(found) >= limit or len(rows) < limit:
            return found[:limit]
        after = str(rows[-1].id)


def list_filter(
    principal: Principal, round_id: uuid.UUID, programme_id: str | None
) -> repository.ApplicationFilter:
    """What the caller may see, narrowed by its ``programme`` filter (id or mark, resolved): a
    filter narrows every role's list, it is never ignored."""
    wanted = (programme_id,) if programme_id else ()
    if principal.role is Role.reviewer:
        own = (principal.programme,) if principal.programme else ()
        return repository.ApplicationFilter(round_id=round_id, programme_ids=own + wanted)
    if principal.role is Role.municipality:
        return repository.ApplicationFilter(
            round_id=round_id, programme_ids=wanted, lg_code=principal.lg_code
        )
    return repository.ApplicationFilter(round_id=round_id, programme_ids=wanted)


async def views(
    session: AsyncSession,
    *,
    principal: Principal,
    round_id: uuid.UUID,
    rows: Sequence[JointApplication],
    today: date,
) -> list[tuple[JointReviewApplicationOut, str]]:
    """Each application as this caller may see it, with that representation's ETag."""
    round_ = await get_round(session, round_id=round_id)
    chosen = await selected_programmes(session, principal, round_, [a.id for a in rows], today)
    outs = [
        application_out(a, round_, None if chosen is None else chosen.get(a.id, [])) for a in rows
    ]
    return [(out, application_etag(a, out)) for a, out in zip(rows, outs, strict=True)]
