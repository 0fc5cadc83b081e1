"""The state tables in docs/ are generated from the code: ``jisso docs`` rewrites every
``<!-- state-machine: NAME -->`` block from the machine of that name, and a test fails when a
block drifts or a machine is documented nowhere."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from libs.common.state_machine import StateMachine, sync_markdown
from services.notify.campaigns import audiences

DOCS = Path(__file__).resolve().parent.parent / "docs"
SERVICES = ("registry", "review", "notify")


def all_machines() -> list[StateMachine[Any, Any]]:
    machines: list[StateMachine[Any, Any]] = []
    for service in SERVICES:
        machines.extend(importlib.import_module(f"services.{service}.machines").MACHINES)
    return machines


def stale_docs() -> dict[Path, str]:
    """Each docs page whose state tables differ from the code, with its regenerated text."""
    machines = all_machines()
    stale = {}
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        # The audience table per letter kind is generated the same way (one table in code).
        fresh = audiences.sync_markdown(sync_markdown(text, machines))
        if fresh != text:
            stale[page] = fresh
    return stale


def write_docs() -> list[Path]:
    stale = stale_docs()
    for page, text in stale.items():
        page.write_text(text, encoding="utf-8")
    return list(stale)
