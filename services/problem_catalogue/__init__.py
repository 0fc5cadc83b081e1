"""What every problem ``type`` means, every rule code and every extension member: the facts the
kernel's ``GET /problems`` pages serve (libs/common/problem_catalogue.py), written once for the
whole system and registered on import (services/__init__.py), as the services are.

tests/kernel/test_problem_catalogue.py holds them equal to the code: each problem class's slug,
status and title, every rule code and every extension member written in libs/ or services/, and
the services and problem types each is found in.
"""

from __future__ import annotations

from libs.common.problem_catalogue import (
    FrameworkRules,
    ProblemCatalogue,
    register_problem_catalogue,
)
from services.problem_catalogue.members import MEMBERS
from services.problem_catalogue.problem_types import PROBLEM_TYPES
from services.problem_catalogue.rules_notify import NOTIFY_RULES
from services.problem_catalogue.rules_registry import REGISTRY_RULES
from services.problem_catalogue.rules_review import REVIEW_RULES
from services.problem_catalogue.rules_shared import SHARED_RULES

FRAMEWORK_RULES = FrameworkRules(
    "pydantic（検証ライブラリ）の種類も rule にそのまま入る（missing、string_too_long、"
    "literal_error など）。一覧はその説明にある（pydantic's own error types come as rule "
    "unchanged: missing, string_too_long, literal_error …; its reference lists them）",
    "https://docs.pydantic.dev/latest/errors/validation_errors/",
)

CATALOGUE = ProblemCatalogue(
    types=PROBLEM_TYPES,
    rule_codes=(*SHARED_RULES, *REGISTRY_RULES, *REVIEW_RULES, *NOTIFY_RULES),
    members=MEMBERS,
    framework_rules=FRAMEWORK_RULES,
)

register_problem_catalogue(CATALOGUE)
