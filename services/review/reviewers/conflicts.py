"""利益相反 — why a reviewer may not assess an application. One rule set for both reviews.

A reviewer is conflicted when their organisation (or their local government, by code) is one of
the application's proposing local governments, or one of its project's council members. "Is" means
the same organisation by identity (``organisations.py``: 法人格 and their abbreviations, a local
government with or without its prefecture, office or department, the office's aliases), not the
same string.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from services.review.reviewers.organisations import KnownGovernment, Organisations


@dataclass(frozen=True)
class Proposer:
    lg_code: str
    name: str
    prefecture: str


@dataclass(frozen=True)
class CouncilMember:
    organisation: str
    lg_code: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class ConflictSubject:
    """What an application is tied to: its proposing local governments and council members."""

    proposers: tuple[Proposer, ...]
    council: tuple[CouncilMember, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        proposers: Iterable[Mapping[str, Any]],
        council_members: Iterable[Mapping[str, Any]] = (),
    ) -> ConflictSubject:
        """From the registry's proposers (``lg_code``, ``name``, ``prefecture``) and council
        members (``organisation``, ``lg_code``, ``category``), as JSON or snapshot."""
        return cls(
            proposers=tuple(
                Proposer(p["lg_code"], p.get("name") or "", p.get("prefecture") or "")
                for p in proposers
            ),
            council=tuple(
                CouncilMember(m["organisation"], m.get("lg_code"), m.get("category"))
                for m in council_members
            ),
        )

    def governments(self) -> list[KnownGovernment]:
        """The local governments this subject names: proposers, and council members that are
        governments (by code, or by category when the council gave no code)."""
        known = [
            KnownGovernment.of(p.name, code=p.lg_code, prefecture=p.prefecture or None)
            for p in self.proposers
            if p.name
        ]
        known += [
            KnownGovernment.of(m.organisation, code=m.lg_code)
            for m in self.council
            if m.lg_code or m.category == "local_government"
        ]
        return known


def conflict_reasons(
    *,
    organisation: str,
    lg_code: str | None,
    subject: ConflictSubject,
    aliases: Mapping[str, str],
) -> list[str]:
    """Every reason the reviewer is conflicted (empty when none), in Japanese then English, each
    naming the council member or proposer as the registry writes it."""
    organisations = Organisations(subject.governments(), aliases)
    by_name = organisations.identity(organisation)
    by_code = organisations.government_identity(lg_code) if lg_code else None
    own = {by_name, by_code} - {"org:", None}
    reasons = []
    for member in dict.fromkeys(subject.council):
        theirs = {organisations.identity(member.organisation)}
        if member.lg_code:
            theirs.add(organisations.government_identity(member.lg_code))
        if by_name in theirs and by_name != "org:":
            reasons.append(
                f"審査員の所属（{organisation}）は当該事業の地域実装協議会の構成員「"
                f"{member.organisation}」と同じ団体です（the reviewer's organisation is the "
                f"council member {member.organisation}）"
            )
        elif by_code in theirs:
            reasons.append(
                f"審査員の所属する地方公共団体（{lg_code}）は当該事業の地域実装協議会の構成員「"
                f"{member.organisation}」です（the reviewer's local government is the council "
                f"member {member.organisation}）"
            )
    for proposer in dict.fromkeys(subject.proposers):
        if organisations.government_identity(proposer.lg_code) in own:
            name = proposer.name or proposer.lg_code
            reasons.append(
                f"審査員は提案団体「{name}」に所属しています"
                f"（the reviewer belongs to the proposing local government {name}）"
            )
    return reasons
