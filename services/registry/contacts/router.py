"""``/v1/contacts`` — people jisso writes to, their links and suppression state."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from libs.common.auth import Principal, Role, require
from libs.common.documents import document_response
from libs.common.driver_reads import ReadsDep
from libs.common.errors import problems
from libs.common.etag import IfMatch
from libs.common.openapi_links import BODY_ID, ETAG, link_to, response_links
from libs.common.pagination import (
    Key,
    Page,
    PageCursor,
    PageLimit,
    decode_cursor,
    encode_cursor,
    next_link,
)
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.registry.contacts import queries, service
from services.registry.contacts.models import Contact
from services.registry.contacts.schemas import (
    CATEGORY_FIELD_HELP,
    CONTACT_ID_HELP,
    LINK_ID_HELP,
    ContactCreate,
    ContactOut,
    ContactPublicOut,
    ContactUpdate,
    LinkCreate,
    LinkOut,
    StakeholderCategory,
    SuppressionByEmail,
    SuppressionResult,
    SuppressionSet,
    full_view,
)

ContactIdPath = Annotated[uuid.UUID, Path(description=CONTACT_ID_HELP)]
LinkIdPath = Annotated[uuid.UUID, Path(description=LINK_ID_HELP)]

router = APIRouter(prefix="/v1/contacts", tags=["contacts"], route_class=UnitOfWorkRoute)

Reader = Annotated[
    Principal, Depends(require(Role.operator, Role.municipality, Role.partner, Role.service))
]
Editor = Annotated[Principal, Depends(require(Role.operator, Role.municipality))]
Suppressor = Annotated[Principal, Depends(require(Role.operator, Role.service))]
AnyContactOut = ContactOut | ContactPublicOut


NO_SUCH_CONTACT = "No such contact or link"
DUPLICATE = "The email (or the link) is already registered"


def contact_out(
    contact: Contact, principal: Principal, response: Response | None = None
) -> AnyContactOut:
    """The full record, or for a partner the public one, with the ETag of that representation
    (built once: the ETag is a digest of the very body answered)."""
    view = service.present(contact, principal)
    if response is not None:
        response.headers["ETag"] = service.view_etag(contact.id, view)
    return view


CONTACT = "/v1/contacts/{contact_id}"
CHANGE_CONTACT = link_to("PATCH", CONTACT, "Change it", contact_id=BODY_ID, if_match=ETAG)
CREATED_LINKS = response_links(
    "The contact, with its `ETag`",
    GetContact=link_to("GET", CONTACT, "Read it again", contact_id=BODY_ID),
    ChangeContact=CHANGE_CONTACT,
    SuppressContact=link_to(
        "POST", f"{CONTACT}/suppression", "Stop mailing it", contact_id=BODY_ID
    ),
)


@router.post(
    "",
    status_code=201,
    summary="Create a contact",
    responses=problems(conflict=DUPLICATE, success={201: CREATED_LINKS}),
)
async def create_contact(
    body: ContactCreate, session: SessionDep, principal: Editor, response: Response
) -> ContactOut:
    contact = await service.create_contact(session, principal=principal, data=body)
    response.headers["Location"] = f"/v1/contacts/{contact.id}"
    response.headers["ETag"] = service.contact_etag(contact, principal)
    return full_view(contact)


@router.get(
    "",
    summary="List contacts",
    response_model=Page[ContactOut] | Page[ContactPublicOut],
    responses=problems(),
)
async def list_contacts(
    request: Request,
    reads: ReadsDep,
    principal: Reader,
    stakeholder_category: Annotated[
        StakeholderCategory | None, Query(description=CATEGORY_FIELD_HELP)
    ] = None,
    lg_code: Annotated[
        str | None,
        Query(
            description="所属する地方公共団体のコード（the owner's local government code）",
            examples=["112071"],
        ),
    ] = None,
    project_id: Annotated[
        uuid.UUID | None, Query(description="この事業に紐づく連絡先（linked to this project）")
    ] = None,
    council_id: Annotated[
        uuid.UUID | None, Query(description="この協議会に紐づく連絡先（linked to this council）")
    ] = None,
    suppressed: Annotated[
        bool | None,
        Query(description="配信停止（true: only suppressed; false: only reachable; not partners）"),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            description="氏名・所属の検索（name or organisation, normalised: kana, width, "
            "spacing）",
            examples=["ちちぶ"],
        ),
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Response:
    after = decode_cursor(request, cursor, Key.text, Key.uuid)
    filters = {
        "stakeholder_category": stakeholder_category,
        "lg_code": lg_code,
        "project_id": project_id,
        "council_id": council_id,
        "suppressed": suppressed,
        "q": q,
    }
    items, last = await queries.page(
        reads,
        principal=principal,
        filters=filters,
        after=(after[0], after[1]) if after else None,
        limit=limit,
    )
    next_cursor = encode_cursor(request, last) if last else None
    return document_response({"items": items, "next": next_link(request.url, next_cursor)})


@router.post(
    "/suppressions",
    summary="Suppress an address (notify, from bounces and unsubscribes)",
    description="Every contact with this address, in any case, gets the state. Repeating a call "
    "changes nothing and answers the same.",
    responses=problems(not_found=NO_SUCH_CONTACT),
)
async def suppress_address(
    body: SuppressionByEmail, session: SessionDep, principal: Suppressor
) -> SuppressionResult:
    email, contacts, changed = await service.suppress_address(
        session, principal=principal, data=body
    )
    return SuppressionResult(
        email=email, state=body.state, contact_ids=[c.id for c in contacts], changed=changed
    )


@router.get(
    "/{contact_id}",
    summary="Get a contact",
    response_model=AnyContactOut,
    responses=problems(
        not_found=NO_SUCH_CONTACT,
        success={200: response_links("The contact, with its `ETag`", ChangeContact=CHANGE_CONTACT)},
    ),
)
async def get_contact(contact_id: ContactIdPath, reads: ReadsDep, principal: Reader) -> Response:
    contact, etag = await queries.document(reads, principal=principal, contact_id=contact_id)
    return document_response(contact, {"ETag": etag})


@router.patch(
    "/{contact_id}",
    summary="Change a contact",
    responses=problems(not_found=NO_SUCH_CONTACT, conflict=DUPLICATE, precondition=True),
)
async def update_contact(
    contact_id: ContactIdPath,
    body: ContactUpdate,
    session: SessionDep,
    principal: Editor,
    response: Response,
    if_match: IfMatch = None,
) -> AnyContactOut:
    contact = await service.update_contact(
        session, principal=principal, contact_id=contact_id, data=body, if_match=if_match
    )
    return contact_out(contact, principal, response)


@router.post(
    "/{contact_id}/links",
    status_code=201,
    summary="Link a contact to a project or a council",
    responses=problems(not_found=NO_SUCH_CONTACT, conflict=DUPLICATE),
)
async def add_contact_link(
    contact_id: ContactIdPath,
    body: LinkCreate,
    session: SessionDep,
    principal: Editor,
    response: Response,
) -> LinkOut:
    contact, link = await service.add_link(
        session, principal=principal, contact_id=contact_id, data=body
    )
    response.headers["ETag"] = service.contact_etag(contact, principal)
    return LinkOut.model_validate(link)


@router.delete(
    "/{contact_id}/links/{link_id}",
    summary="Remove a link (If-Match: the contact's ETag)",
    responses=problems(not_found=NO_SUCH_CONTACT, precondition=True),
)
async def remove_contact_link(
    contact_id: ContactIdPath,
    link_id: LinkIdPath,
    session: SessionDep,
    principal: Editor,
    response: Response,
    if_match: IfMatch = None,
) -> AnyContactOut:
    contact = await service.remove_link(
        session, principal=principal, contact_id=contact_id, link_id=link_id, if_match=if_match
    )
    return contact_out(contact, principal, response)


@router.post(
    "/{contact_id}/suppression",
    summary="Set a contact's suppression state (idempotent)",
    responses=problems(not_found=NO_SUCH_CONTACT),
)
async def suppress_contact(
    contact_id: ContactIdPath,
    body: SuppressionSet,
    session: SessionDep,
    principal: Suppressor,
    response: Response,
) -> AnyContactOut:
    contact = await service.suppress(session, principal=principal, contact_id=contact_id, data=body)
    return contact_out(contact, principal, response)


@router.delete(
    "/{contact_id}/suppression",
    summary="Lift a contact's suppression (If-Match)",
    responses=problems(not_found=NO_SUCH_CONTACT, precondition=True),
)
async def lift_contact_suppression(
    contact_id: ContactIdPath,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require(Role.operator))],
    response: Response,
    if_match: IfMatch = None,
) -> AnyContactOut:
    contact = await service.lift_suppression(
        session, principal=principal, contact_id=contact_id, if_match=if_match
    )
    return contact_out(contact, principal, response)
