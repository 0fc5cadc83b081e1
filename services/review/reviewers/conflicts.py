"""利益相反 — why a reviewer may not assess an application. One rule set for both reviews."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from libs.common.search_text import normalise_search_key


@dataclass(frozen=True)
class ConflictSubject:
    """What an application is tied to: its proposing local governments and council members."""

    proposer_lg_codes: frozenset[str]
    proposer_names: frozenset[str]
    council_organisations: frozenset[str]

    @classmethod
    def of(
        cls,
        *,
        proposer_lg_codes: Iterable[str],
        proposer_names: Iterable[str] = (),
        council_organisations: Iterable[str] = (),
    ) -> ConflictSubject:
        return cls(
            proposer_lg_codes=frozenset(proposer_lg_codes),
            proposer_names=frozenset(normalise_search_key(n) for n in proposer_names),
            council_organisations=frozenset(normalise_search_key(o) for o in council_organisations),
        )


def conflict_reasons(
    *, organisation: str, lg_code: str | None, subject: ConflictSubject
) -> list[str]:
    """Every reason the reviewer is conflicted (empty when none), in Japanese then English."""
    reasons = []
    key = normalise_search_key(organisation)
    if key in subject.council_organisations:
        reasons.append(
            f"審査員の所属（{organisation}）が当該事業の地域実装協議会の構成員です"
            "（the reviewer's organisation sits on the project's council）"
        )
    if (lg_code and lg_code in subject.proposer_lg_codes) or key in subject.proposer_names:
        reasons.append(
            "審査員が提案団体に所属しています（the reviewer belongs to a proposing local government）"
        )
    return reasons
