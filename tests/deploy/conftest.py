"""Each manifest test that takes ``docs`` runs once per overlay."""

from __future__ import annotations

import pytest

from tests.deploy.kustomize import Doc
from tests.deploy.manifests import OVERLAYS, rendered


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def docs(overlay: str) -> tuple[Doc, ...]:
    return rendered(overlay)
