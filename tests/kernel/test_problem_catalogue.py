"""The problem catalogue (services/problem_catalogue/) against the code it describes: every problem
class, every rule code and every extension member written in libs/ and services/ is in it, it
lists nothing the code does not write, and where the source tells the service or the problem type
a code or member comes in, the catalogue says so too (tests/kernel/problem_literals.py reads the
source)."""

from __future__ import annotations

import ast
import re

import pytest

from libs.common.problem_catalogue import problem_catalogue
from libs.common.problem_pages import wants_json
from libs.common.validation_messages import PYDANTIC_TYPES
from services.catalogue import SERVICE_NAMES
from services.problem_catalogue import CATALOGUE
from tests.kernel import problem_literals
from tests.kernel.problem_literals import Use

pytestmark = pytest.mark.unit

RULES = {rule.code: rule for rule in CATALOGUE.rule_codes}
MEMBERS = {member.name: member for member in CATALOGUE.members}
SLUGS = {problem.slug for problem in CATALOGUE.types}


def _where(uses: tuple[Use, ...]) -> list[str]:
    return [f"{use.path}:{use.line}" for use in uses[:3]]


def test_importing_the_services_registers_the_catalogue() -> None:
    assert problem_catalogue() is CATALOGUE


def test_every_problem_class_is_a_type_with_its_status_and_title() -> None:
    classes = problem_literals.problem_classes()
    assert {"InvalidInput", "InvalidLink", "RegistryRejected", "TooManyRequests"} <= set(classes)
    described = {p.slug: (p.status, p.title) for p in CATALOGUE.types}
    for name, (status, slug, title) in classes.items():
        assert described.get(slug) == (status, title), f"{name}: {slug} {status} {title}"
    assert {slug for _, slug, _ in classes.values()} == SLUGS


def test_every_literal_rule_code_is_described_and_nothing_else() -> None:
    found = problem_literals.rule_codes()
    missing = {code: _where(uses) for code, uses in found.items() if code not in RULES}
    assert not missing, f"describe these in services/problem_catalogue/: {missing}"
    assert set(RULES) - set(found) == set(), "described, but nothing writes them"
    assert len(CATALOGUE.rule_codes) == len(RULES), "a code described twice"


def test_a_rule_code_names_the_services_and_problem_types_it_is_found_in() -> None:
    wrong = []
    for code, uses in problem_literals.rule_codes().items():
        rule = RULES.get(code)
        if rule is None:
            continue  # undescribed: the test above names it
        wrong += [
            f"{code}: {u.service} ({u.path})"
            for u in uses
            if u.service not in (None, *rule.services) and not u.default
        ]
        wrong += [
            f"{code}: {u.slug} ({u.path})" for u in uses if u.slug not in (None, *rule.problems)
        ]
    assert wrong == []


def test_every_extension_member_is_described_and_nothing_else() -> None:
    assert problem_literals.unresolved_spreads() == [], "teach problem_literals these spreads"
    found = problem_literals.extension_members()
    missing = {name: _where(uses) for name, uses in found.items() if name not in MEMBERS}
    assert not missing, f"describe these in services/problem_catalogue/members.py: {missing}"
    assert set(MEMBERS) - set(found) == set(), "described, but no problem carries them"
    assert len(CATALOGUE.members) == len(MEMBERS), "a member described twice"
    wrong = [
        f"{name}: {use.slug} ({use.path}:{use.line})"
        for name, uses in found.items()
        for use in uses
        if use.slug not in MEMBERS[name].problems
    ]
    assert wrong == []


def test_the_catalogue_names_only_known_services_and_problem_types() -> None:
    for problem in CATALOGUE.types:
        assert problem.services and set(problem.services) <= set(SERVICE_NAMES), problem.slug
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", problem.slug), problem.slug
    for rule in CATALOGUE.rule_codes:
        assert rule.services and set(rule.services) <= set(SERVICE_NAMES), rule.code
        assert rule.problems and set(rule.problems) <= SLUGS, rule.code
        assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", rule.code), rule.code
    for member in CATALOGUE.members:
        assert member.problems and set(member.problems) <= SLUGS, member.name


def test_a_rule_code_is_never_one_of_the_frameworks_own() -> None:
    """The framework's codes are described as a group (its reference): one of ours with the same
    name would mean two things."""
    assert set(RULES) & PYDANTIC_TYPES == set()
    assert CATALOGUE.framework_rules is not None
    assert CATALOGUE.framework_rules.reference.startswith("https://docs.pydantic.dev/")


def test_every_text_is_japanese_first_with_english_in_brackets() -> None:
    texts = [p.when for p in CATALOGUE.types] + [p.what_to_do for p in CATALOGUE.types]
    texts += [r.meaning for r in CATALOGUE.rule_codes] + [m.meaning for m in CATALOGUE.members]
    for text in texts:
        japanese = text.split("（")[0]
        assert not japanese.isascii() and text.endswith("）"), text


def test_every_problem_the_server_sends_is_given_its_base() -> None:
    """``to_problem`` without ``base`` writes a relative ``type``: only tests may do that."""
    relative = [
        f"{path}:{node.lineno}"
        for path, tree in problem_literals._trees().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "to_problem"
        and not any(keyword.arg == "base" for keyword in node.keywords)
    ]
    assert relative == []


@pytest.mark.parametrize(
    ("accept", "json"),
    [
        (None, False),
        ("*/*", False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("application/json", True),
        ("application/json, text/html", True),
        ("text/html, application/json", True),
        ("text/html;q=0.9, application/json", True),
        ("application/json;q=0.5, text/html", False),
        ("application/*", True),
        ("application/json;q=0", False),
    ],
)
def test_json_only_when_the_client_prefers_it(accept: str | None, json: bool) -> None:
    assert wants_json(accept) is json
