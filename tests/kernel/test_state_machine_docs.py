"""The state tables in docs/ are the code's tables: a drifted or missing one fails here
(`jisso docs` rewrites them)."""

from __future__ import annotations

from libs.common.state_machine import documented_names
from services.state_machines import DOCS, all_machines, stale_docs


def test_every_documented_state_table_matches_the_code() -> None:
    stale = stale_docs()
    assert not stale, f"run `jisso docs`: {', '.join(p.name for p in stale)} drifted from the code"


def test_every_state_machine_is_documented_once() -> None:
    documented: list[str] = []
    for page in DOCS.glob("*.md"):
        documented.extend(documented_names(page.read_text(encoding="utf-8")))
    names = [machine.name for machine in all_machines()]
    assert len(names) == len(set(names)), "two machines share a name"
    assert sorted(documented) == sorted(names)
