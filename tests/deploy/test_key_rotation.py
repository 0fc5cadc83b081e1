"""Rotating JWT_SECRET and LINK_SECRET without downtime (docs/operations.md, "Rotate the JWT and
link keys").

During the overlap a process signs with JWT_SECRET and also accepts JWT_PREVIOUS_SECRETS; once the
old secret is dropped, what it signed is refused. The rolling update itself needs one more step:
while old and new pods run side by side, each must accept what the other signs (service tokens
between the APIs, links in mails), so the new secret is first added as accepted-only, then made the
signing one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from libs.common.auth import Role, decode_token, mint_token
from libs.common.errors import Unauthorized
from libs.common.settings import Settings, load_settings

# Keys as `openssl rand -hex 32` makes them (typed ones are refused outside development).
OLD = "9d88955a152b2e4d8822800717f37ee477c229dee2e2df0ad1c840f55d77c665"
NEW = "04d040b3f8d4386f7d2754c2501f161180264ce5294c85bb5e61bc5ebb573105"


LINK_KEY = "23d5289ad988d5bad3346bdb4dce960d1ead1340056c15b33ede127b4c0d39f3"


def settings(
    secret: str, previous: str = "", link_secret: str = LINK_KEY, link_previous: str = ""
) -> Settings:
    return load_settings(
        "registry",
        environment="production",
        jwt_secret=secret,
        jwt_previous_secrets=previous,
        link_secret=link_secret,
        link_previous_secrets=link_previous,
    )


def token(signing: Settings) -> str:
    return mint_token(signing, role=Role.operator, subject="operator")


def accepts(verifying: Settings, signed: str) -> bool:
    try:
        decode_token(verifying, signed)
    except Unauthorized:
        return False
    return True


def test_both_keys_are_accepted_during_the_overlap() -> None:
    rotating = settings(NEW, previous=OLD)
    old_token, new_token = token(settings(OLD)), token(rotating)

    assert decode_token(rotating, old_token).subject == "operator"
    assert decode_token(rotating, new_token).role is Role.operator
    # The new secret signs; the old one is only accepted.
    assert accepts(settings(NEW), new_token)
    assert not accepts(settings(OLD), new_token)


def test_the_old_key_is_refused_once_dropped() -> None:
    rotated = settings(NEW)
    old_token, new_token = token(settings(OLD)), token(rotated)

    with pytest.raises(Unauthorized, match="invalid token"):
        decode_token(rotated, old_token)
    assert decode_token(rotated, new_token).subject == "operator"


def test_previous_secrets_may_be_several_and_spaced() -> None:
    third = "410ee5c628971339ffe1c0d38beda44d51f8aa7dd7b3f7c24e06081b9abad018"
    rotating = settings(NEW, previous=f"{OLD}, {third} ,")
    assert accepts(rotating, token(settings(OLD)))
    assert accepts(rotating, token(settings(third)))
    assert not accepts(
        rotating,
        token(settings("86cad4412332dcd99cc624c3ef8a1fae4ed16b694f4d7d89da55438efe0fbbb8")),
    )


# The documented sequence: each step is one rolling update, during which pods of the step before and
# of the step after run together and must accept each other's tokens.
BEFORE = (OLD, "")
ACCEPT_NEW = (OLD, NEW)  # 1. the new secret accepted, not yet signing
SIGN_NEW = (NEW, OLD)  # 2. the new secret signs, the old one still accepted
AFTER = (NEW, "")  # 3. after the longest lifetime of what the old secret signed


@pytest.mark.parametrize(
    ("before", "after"),
    [(BEFORE, ACCEPT_NEW), (ACCEPT_NEW, SIGN_NEW), (SIGN_NEW, AFTER)],
    ids=["accept-new", "sign-new", "drop-old"],
)
def test_every_step_of_the_rotation_is_a_safe_rolling_update(
    before: tuple[str, str], after: tuple[str, str]
) -> None:
    old_pod, new_pod = settings(*before), settings(*after)
    for signer in (old_pod, new_pod):
        signed = token(signer)
        assert accepts(old_pod, signed), "a pod not yet rolled refuses a rolled pod's token"
        assert accepts(new_pod, signed), "a rolled pod refuses a token of a pod not yet rolled"
    if after == AFTER:
        # What steps 0 and 1 signed is refused from now on: hence the wait before this step.
        assert not accepts(new_pod, token(settings(*BEFORE)))
        assert not accepts(new_pod, token(settings(*ACCEPT_NEW)))


def test_skipping_the_accept_step_breaks_calls_during_the_rollout() -> None:
    """Why step 1 exists: a pod still on the old secret refuses what an updated pod signs."""
    not_yet_rolled, rolled = settings(*BEFORE), settings(*SIGN_NEW)
    assert accepts(rolled, token(not_yet_rolled))
    assert not accepts(not_yet_rolled, token(rolled))


def unsubscribe_link(signing: Settings) -> str:
    from services.notify.letters.links import sign_link

    return sign_link(
        signing,
        action="unsubscribe",
        contact_id=uuid.uuid4(),
        symposium_id=None,
        expires_at=datetime.now(UTC) + timedelta(days=365),
    )


def test_links_in_mails_follow_the_link_key_rotation() -> None:
    """RSVP and unsubscribe links are signed with LINK_SECRET and live until the symposium ends or
    for a year: dropping the old link key earlier breaks the links in mails already sent."""
    from services.notify.letters.links import InvalidLink, verify_link

    sent_before = unsubscribe_link(settings(NEW, link_secret=OLD))
    rotating = settings(NEW, link_secret=NEW, link_previous=OLD)
    assert verify_link(rotating, sent_before, action="unsubscribe")
    with pytest.raises(InvalidLink):
        verify_link(settings(NEW, link_secret=NEW), sent_before, action="unsubscribe")


def test_rotating_the_jwt_key_leaves_mailed_links_working() -> None:
    """API keys are rotated far more often than a year: links do not depend on them."""
    from services.notify.letters.links import verify_link

    sent_before = unsubscribe_link(settings(OLD))
    rotated = settings(NEW)  # OLD dropped from JWT_PREVIOUS_SECRETS, LINK_SECRET unchanged
    assert not accepts(rotated, token(settings(OLD)))
    assert verify_link(rotated, sent_before, action="unsubscribe").action == "unsubscribe"
