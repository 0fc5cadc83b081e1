"""The callers of the authorization matrix: four bad tokens, no token, and one token per role.

Every bad token claims the operator role, so a check that skipped the signature, the expiry or the
algorithm would let it through as an operator, and the matrix would show it.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import jwt
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.auth import ALGORITHM, Role, mint_token
from libs.common.settings import Settings
from services.review.reviewers.models import Reviewer

BAD_CALLERS = ("anonymous", "expired", "wrong_signature", "hs512", "alg_none")
ROLE_CALLERS: dict[str, Role] = {
    "operator": Role.operator,
    "reviewer_of_another_programme": Role.reviewer,
    "municipality_of_another_code": Role.municipality,
    "partner": Role.partner,
    "service": Role.service,
}
CALLERS = (*BAD_CALLERS, *ROLE_CALLERS)
# No row the tests make belongs to these: the bound callers are always strangers.
OTHER_PROGRAMME = "another-programme"
MATRIX_REVIEWER = "matrix-reviewer"
OTHER_LG_CODE = "011002"  # 札幌市
ANOTHER_SECRET = "not-the-secret-of-this-deployment-0123456789"


def _operator_claims(settings: Settings, *, issued: int, expires: int) -> dict[str, Any]:
    return {
        "iss": settings.jwt_issuer,
        "sub": "matrix-impostor",
        "role": "operator",
        "iat": issued,
        "exp": expires,
    }


def _hs512(claims: dict[str, Any], secret: str) -> str:
    """Signed with the right secret: only the algorithm is wrong (HS256 is pinned)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns that the secret is short for SHA-512
        return jwt.encode(claims, secret, algorithm="HS512")


def caller_headers(settings: Settings) -> dict[str, dict[str, str]]:
    now = int(time.time())
    valid = _operator_claims(settings, issued=now, expires=now + 600)
    tokens = {
        "expired": jwt.encode(
            _operator_claims(settings, issued=now - 7200, expires=now - 3600),
            settings.jwt_secret,
            algorithm=ALGORITHM,
        ),
        "wrong_signature": jwt.encode(valid, ANOTHER_SECRET, algorithm=ALGORITHM),
        "hs512": _hs512(valid, settings.jwt_secret),
        "alg_none": jwt.encode(valid, None, algorithm="none"),
        "operator": mint_token(settings, role=Role.operator, subject="matrix-operator"),
        "reviewer_of_another_programme": mint_token(
            settings, role=Role.reviewer, subject=MATRIX_REVIEWER, programme=OTHER_PROGRAMME
        ),
        "municipality_of_another_code": mint_token(
            settings, role=Role.municipality, subject="matrix-municipality", lg_code=OTHER_LG_CODE
        ),
        "partner": mint_token(settings, role=Role.partner, subject="matrix-partner"),
        "service": mint_token(settings, role=Role.service, subject="matrix-service"),
    }
    headers = {name: {"Authorization": f"Bearer {value}"} for name, value in tokens.items()}
    return {"anonymous": {}, **headers}


async def register_matrix_reviewer(connection: AsyncConnection) -> None:
    """The reviewer caller is a registered reviewer, of a programme nothing here belongs to: an
    unregistered token reads nothing (``test_reviewer_registry_reads.py``), so only a registered
    one shows that the role itself is let in or refused."""
    await connection.execute(
        insert(Reviewer).values(
            subject=MATRIX_REVIEWER,
            name="審査 行列",
            email="matrix-reviewer@example.ac.jp",
            organisation="行列大学",
            organisation_key="行列大学",
            programme=OTHER_PROGRAMME,
        )
    )
