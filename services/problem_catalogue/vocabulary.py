"""The names the catalogue's entries share: the services and the problem types' slugs."""

from __future__ import annotations

from libs.common.problem_catalogue import ExtensionMember, RuleCode
from services.catalogue import SERVICE_NAMES, ServiceName

REGISTRY: ServiceName = "registry"
REVIEW: ServiceName = "review"
NOTIFY: ServiceName = "notify"
EVERY_SERVICE: tuple[ServiceName, ...] = SERVICE_NAMES

VALIDATION = "validation"
RULE_VIOLATION = "rule-violation"
CONFLICT = "conflict"
FORBIDDEN = "forbidden"
NOT_FOUND = "not-found"


def rule(
    code: str,
    meaning: str,
    *services: ServiceName,
    problems: tuple[str, ...] = (VALIDATION,),
) -> RuleCode:
    """A rule code; by default one of ``errors[].rule`` in a 422 validation."""
    return RuleCode(code, meaning, services, problems)


def member(name: str, meaning: str, *problems: str) -> ExtensionMember:
    return ExtensionMember(name, meaning, problems)
