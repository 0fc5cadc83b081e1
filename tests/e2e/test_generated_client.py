"""The Python client a partner generates from openapi/registry.json (`make sdk`, by the same code:
tools/contract/sdk.py), driving the real registry process: page through projects, read one,
change one with If-Match, create with an Idempotency-Key, and read a problem's fields and rules.

Nothing here reaches past the generated package to httpx or to JSON: what it cannot say in its
own types is said where it happens.
"""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from libs.common.auth import Role, mint_token
from libs.common.settings import load_settings
from tests.e2e import test_continuation_e2e as continuation
from tools.contract.sdk import package_name, python_client

pytestmark = pytest.mark.e2e

# The real processes the e2e tests run: the three APIs, the worker and the scheduler on a
# database of their own, migrated and seeded (test_continuation_e2e.py).
system = continuation.system


@pytest.fixture(scope="module")
def registry_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated ``jisso_registry_client``, written afresh for this run and imported."""
    project = python_client("registry", tmp_path_factory.mktemp("clients"))
    sys.path.insert(0, str(project))
    try:
        yield importlib.import_module(package_name("registry"))
    finally:
        sys.path.remove(str(project))
        for name in [n for n in sys.modules if n.split(".")[0] == package_name("registry")]:
            del sys.modules[name]


def test_a_partner_drives_the_registry_with_the_generated_client(
    system: continuation.System, registry_client: ModuleType
) -> None:
    token = mint_token(load_settings("registry"), role=Role.operator, subject="operator-sdk")
    client = registry_client.AuthenticatedClient(
        base_url=system.urls["registry"], token=token, raise_on_unexpected_status=True
    )
    with client:
        project = _page_through_projects(client)
        _change_with_if_match(client, project.id)
        _create_with_an_idempotency_key(client, project)
        _read_a_problem(client)


def _page_through_projects(client: Any) -> Any:
    """Every seeded project, two at a time, following ``next``; the client takes its cursor."""
    from jisso_registry_client.api.projects import list_projects
    from jisso_registry_client.models import ProjectPage

    seen, cursor, pages = [], None, 0
    while True:
        page = list_projects.sync(client=client, limit=2, **({"cursor": cursor} if cursor else {}))
        assert isinstance(page, ProjectPage), page
        seen += page.items
        pages += 1
        # `next` (a builtin's name in Python: `next_`) is a URL; the function takes the cursor.
        if not page.next_:
            break
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]
    whole = list_projects.sync(client=client, limit=200)
    assert isinstance(whole, ProjectPage)
    assert pages > 1
    assert [p.id for p in seen] == [p.id for p in whole.items]
    return seen[0]


def _change_with_if_match(client: Any, project_id: uuid.UUID) -> None:
    from jisso_registry_client.api.projects import get_project, update_project
    from jisso_registry_client.models import Problem, ProjectOut, ProjectUpdate

    read = get_project.sync_detailed(project_id=project_id, client=client)
    assert isinstance(read.parsed, ProjectOut)
    etag = read.headers["ETag"]
    change = ProjectUpdate(tags=[*read.parsed.tags, "SDK"])
    changed = update_project.sync_detailed(
        project_id=project_id, client=client, body=change, if_match=etag
    )
    assert isinstance(changed.parsed, ProjectOut), changed.content
    assert changed.parsed.tags[-1] == "SDK"
    assert changed.headers["ETag"] != etag

    stale = update_project.sync_detailed(
        project_id=project_id, client=client, body=change, if_match=etag
    )
    assert isinstance(stale.parsed, Problem)
    assert stale.parsed.status == 412
    # An extension member is not an attribute: the contract describes it in words only.
    assert stale.parsed.additional_properties["current_etag"] == changed.headers["ETag"]


def _create_with_an_idempotency_key(client: Any, project: Any) -> None:
    from jisso_registry_client.api.contacts import create_contact
    from jisso_registry_client.api.projects import create_project
    from jisso_registry_client.models import (
        ContactCreate,
        ContactOut,
        ProjectCreate,
        ProjectOut,
        ProposerIn,
        StakeholderCategory,
    )

    key = str(uuid.uuid4())
    body = ProjectCreate(
        title="（試験用）SDK から作った事業",
        proposers=[ProposerIn(lg_code=project.proposers[0].lg_code, is_lead=True)],
        selection_fiscal_year=project.selection_fiscal_year,
    )
    first = create_project.sync_detailed(client=client, body=body, idempotency_key=key)
    again = create_project.sync_detailed(client=client, body=body, idempotency_key=key)
    assert isinstance(first.parsed, ProjectOut), first.content
    assert isinstance(again.parsed, ProjectOut)
    assert again.parsed.id == first.parsed.id
    assert again.headers["Idempotent-Replayed"] == "true"

    # Every POST takes the key (the route class's): a retried contact is the first one again.
    contact_key = str(uuid.uuid4())
    new_contact = ContactCreate(
        name="SDK 担当",
        email=f"sdk-{key[:8]}@example.jp",
        stakeholder_category=StakeholderCategory.LOCAL_GOVERNMENT,
        lg_code=project.proposers[0].lg_code,
    )
    contact = create_contact.sync_detailed(
        client=client, body=new_contact, idempotency_key=contact_key
    )
    retried = create_contact.sync_detailed(
        client=client, body=new_contact, idempotency_key=contact_key
    )
    assert isinstance(contact.parsed, ContactOut), contact.content
    assert contact.headers["Location"] == f"/v1/contacts/{contact.parsed.id}"
    assert isinstance(retried.parsed, ContactOut), retried.content
    assert retried.parsed.id == contact.parsed.id
    assert retried.headers["Idempotent-Replayed"] == "true"


def _read_a_problem(client: Any) -> None:
    """A 422 as the typed Problem: each field with the rule it breaks."""
    from jisso_registry_client.api.local_governments import create_local_government
    from jisso_registry_client.models import LocalGovernmentCreate, Problem

    # 千代田区 is 131016: 1 is not its check digit.
    refused = create_local_government.sync(
        client=client, body=LocalGovernmentCreate(code="131011", name="千代田区")
    )
    assert isinstance(refused, Problem)
    assert refused.status == 422
    assert isinstance(refused.errors, list)
    assert [(e.field, e.rule) for e in refused.errors] == [("body.code", "check_digit")]
    assert refused.type_.endswith("/validation")
