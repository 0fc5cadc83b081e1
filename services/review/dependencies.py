"""What review endpoints get injected: the registry client and the clock.

Both live on ``app.state`` so a test (or an operator replaying a day) can put in its own: a registry
app in-process behind an ASGI transport, a clock frozen at a given instant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from libs.common.fiscal_year import TOKYO, now_tokyo
from services.review.registry_client import RegistryClient

Clock = Callable[[], datetime]


def get_registry(request: Request) -> RegistryClient:
    """The app's registry client, made on first use (one connection pool per process)."""
    registry: RegistryClient | None = getattr(request.app.state, "registry", None)
    if registry is None:
        registry = RegistryClient.from_settings(request.app.state.settings)
        request.app.state.registry = registry
    return registry


def get_clock(request: Request) -> Clock:
    clock: Clock | None = getattr(request.app.state, "clock", None)
    return clock or now_tokyo


def get_now(clock: Annotated[Clock, Depends(get_clock)]) -> datetime:
    """The current instant in Asia/Tokyo, as the app's clock tells it."""
    return clock().astimezone(TOKYO)


RegistryDep = Annotated[RegistryClient, Depends(get_registry)]
NowDep = Annotated[datetime, Depends(get_now)]
