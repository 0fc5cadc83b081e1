"""The applying region (申請地域): its local-government codes, its lead, their registry records and
the keys a published results table may name it by."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from libs.common.errors import FieldProblem, InvalidInput
from libs.common.field_checks import FieldChecks
from libs.common.lg_code import LocalGovernmentCodeError, validate_lg_code
from libs.common.search_text import normalise_search_key
from services.review.joint_review import registry as registry_calls
from services.review.joint_review.applications.schemas import RegionIn
from services.review.joint_review.registry import Record
from services.review.registry_client import RegistryClient


def _code(raw: str, field: str) -> str:
    try:
        return validate_lg_code(raw)
    except LocalGovernmentCodeError as exc:
        raise InvalidInput.field(field, exc.rule, exc.message) from None


def region_codes(region: RegionIn) -> tuple[list[str], str]:
    """Validated, de-duplicated codes and the lead (a sole member leads); every bad code named."""
    checks = FieldChecks()
    codes: list[str] = []
    for index, raw in enumerate(region.lg_codes):
        code = checks.run(partial(_code, raw, f"body.region.lg_codes.{index}"))
        if code is not None and code not in codes:
            codes.append(code)
    lead = region.lead_lg_code
    if lead is None and len(codes) == 1 and not checks.problems:
        return codes, codes[0]
    lead = checks.run(partial(_code, lead or "", "body.region.lead_lg_code"))
    if lead is not None and codes and lead not in codes:
        checks.problems.append(
            FieldProblem(
                field="body.region.lead_lg_code",
                rule="lead_not_member",
                message="代表団体は lg_codes のいずれかです（the lead must be one of lg_codes）",
            )
        )
    checks.raise_any()
    assert lead is not None
    return codes, lead


async def registry_members(registry: RegistryClient, codes: list[str], lead: str) -> list[Record]:
    members = []
    for index, code in enumerate(codes):
        record = await registry_calls.local_government(registry, code)
        if record is None:
            raise InvalidInput.field(
                f"body.region.lg_codes.{index}",
                "unknown_local_government",
                f"台帳に地方公共団体がありません: {code}（not in the registry）",
            )
        members.append(record | {"is_lead": code == lead})
    return members


def region_keys(label: str, lead: Record) -> list[str]:
    """Keys a published table may name the region by: its label, and prefecture + lead name."""
    name = lead["name"] if lead["name"] == lead["prefecture"] else lead["prefecture"] + lead["name"]
    return sorted({normalise_search_key(label), normalise_search_key(name)})


@dataclass(frozen=True)
class Region:
    """The applying region as checked: its codes, its lead, and their registry records."""

    codes: list[str]
    lead: str
    members: list[Record]

    @property
    def lead_record(self) -> Record:
        return next(m for m in self.members if m["is_lead"])
