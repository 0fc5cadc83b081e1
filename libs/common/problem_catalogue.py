"""The problem types a partner can look up: what each problem ``type`` means, the rule codes
and the extension members it carries.

The kernel holds the shape and serves it (``GET /problems``, libs/common/problem_pages.py); the
facts are the system's, written once at the composition root (services/problem_catalogue/) and
handed over with :func:`register_problem_catalogue`, as the services themselves are, so the kernel
names no service. tests/kernel/test_problem_catalogue.py holds the facts equal to the code: every
problem class, every rule code and every extension member the code writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProblemType:
    """One ``type``: its status and title as the problem carries them, and what it means.
    ``when`` and ``what_to_do`` are Japanese first, the English in brackets."""

    slug: str
    status: int
    title: str
    title_en: str
    when: str
    what_to_do: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class RuleCode:
    """A code of ``errors[].rule`` (422 validation, and a 409 naming the field) or of the
    ``rule`` member (the domain rule a 422 rule-violation, a 409 or a 403 refers to).
    ``problems``: the slugs of the problem types it comes in."""

    code: str
    meaning: str
    services: tuple[str, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class ExtensionMember:
    """A member a problem carries beside RFC 9457's own, and the problem types carrying it."""

    name: str
    meaning: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class FrameworkRules:
    """The validation library's own error types, which a 422 gives as ``rule`` as they are
    (``string_too_long``, ``missing`` …): described as a group, by the library's reference."""

    meaning: str
    reference: str


@dataclass(frozen=True)
class ProblemCatalogue:
    types: tuple[ProblemType, ...] = ()
    rule_codes: tuple[RuleCode, ...] = ()
    members: tuple[ExtensionMember, ...] = ()
    framework_rules: FrameworkRules | None = None
    _by_slug: dict[str, ProblemType] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_slug", {t.slug: t for t in self.types})

    def type_of(self, slug: str) -> ProblemType | None:
        return self._by_slug.get(slug)

    def rule_codes_of(self, slug: str) -> list[RuleCode]:
        return sorted((r for r in self.rule_codes if slug in r.problems), key=lambda r: r.code)

    def members_of(self, slug: str) -> list[ExtensionMember]:
        return [member for member in self.members if slug in member.problems]

    def framework_rules_of(self, slug: str) -> FrameworkRules | None:
        """The framework's own codes come in every 422 ``validation``."""
        return self.framework_rules if slug == VALIDATION else None


# The problem type whose ``errors[].rule`` also takes the framework's own error types.
VALIDATION = "validation"
_registered = ProblemCatalogue()


def register_problem_catalogue(catalogue: ProblemCatalogue) -> None:
    """Called by the composition root on import (services/problem_catalogue/)."""
    global _registered
    _registered = catalogue


def problem_catalogue() -> ProblemCatalogue:
    """The registered catalogue; an empty one before the system registers its own."""
    return _registered
