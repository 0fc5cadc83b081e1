"""Request dependencies shared by notify's routers: the registry client and notify's own knobs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from libs.common.http import ServiceClient
from libs.common.settings import Settings
from services.notify.config import NotifySettings, get_notify_settings
from services.notify.registry_client import RegistryClient


def get_registry(request: Request) -> RegistryClient:
    """One client per app, made on first use; tests put one over the registry's ASGI app here."""
    registry: RegistryClient | None = getattr(request.app.state, "registry", None)
    if registry is None:
        registry = RegistryClient(ServiceClient(request.app.state.settings, "registry"))
        request.app.state.registry = registry
    return registry


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_notify(request: Request) -> NotifySettings:
    return getattr(request.app.state, "notify_settings", None) or get_notify_settings()


RegistryDep = Annotated[RegistryClient, Depends(get_registry)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
NotifySettingsDep = Annotated[NotifySettings, Depends(get_notify)]
