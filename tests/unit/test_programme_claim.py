"""`jisso token --programme`: a mark names the seeded programme's id, except ☆ (the continuation
review's claim); an id passes as given."""

from __future__ import annotations

import pytest

from services.cli import programme_claim


@pytest.mark.parametrize(
    ("given", "claimed"),
    [
        ("○", "meti-maas"),
        ("〇", "meti-maas"),  # the look-alike people type
        ("■", "mlit-smart-city-model"),
        ("□", "soumu-smart-city"),
        ("☆", "☆"),
        ("meti-maas", "meti-maas"),
        (None, None),
    ],
)
def test_a_mark_becomes_the_programme_id_a_reviewer_is_registered_by(
    given: str | None, claimed: str | None
) -> None:
    assert programme_claim(given) == claimed
