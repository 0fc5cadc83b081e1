"""The test renderer itself, and the namespaces the base and the overlays put things in."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml

from tests.deploy.kustomize import Doc, _id, render
from tests.deploy.manifests import K8S, OVERLAYS, base, kubectl_kustomize, of_kind


@pytest.mark.parametrize("name", OVERLAYS)
def test_the_renderer_agrees_with_kubectl_kustomize(name: str, tmp_path: Path) -> None:
    theirs_docs = kubectl_kustomize(name, tmp_path)

    def normal(documents: list[Doc] | tuple[Doc, ...]) -> dict[tuple[str, str], str]:
        for doc in documents:  # kustomize wraps long base64 values
            if doc["kind"] == "Secret" and "data" in doc:
                doc["data"] = {k: base64.b64decode(v) for k, v in doc["data"].items()}
        return {_id(d): json.dumps(d, sort_keys=True, default=str) for d in documents}

    theirs = normal(theirs_docs)
    ours = normal(render(tmp_path / "k8s" / "overlays" / name))
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        assert json.loads(ours[key]) == json.loads(theirs[key]), key


def test_base_is_namespace_less() -> None:
    assert all("namespace" not in d["metadata"] for d in base())
    assert "namespace" not in yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())


def test_overlays_put_everything_in_their_namespace(docs: tuple[Doc, ...]) -> None:
    (namespace,) = of_kind(docs, "Namespace")
    name = namespace["metadata"]["name"]
    assert all(d["metadata"]["namespace"] == name for d in docs if d["kind"] != "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
