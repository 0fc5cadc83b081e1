"""Both overlays, as ``kubectl kustomize`` renders them, against the Kubernetes API schemas
(kubernetes-validate, strict: an unknown or misspelt field fails, not just a wrong type)."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
from kubernetes_validate.utils import SchemaNotFoundError

from tests.deploy.manifests import OVERLAYS, kubectl_kustomize

# The oldest minor still widely run by managed clusters (and the CI's kubectl) and the newest the
# schemas ship: a field removed or added between them fails one of the two.
KUBERNETES_VERSIONS = ("1.32", "1.37")
# Custom resources have no schema in the Kubernetes API; these are the only ones the manifests use
# (the External Secrets Operator's, prod only), and they are skipped by name, never by accident.
WITHOUT_SCHEMA = {("external-secrets.io/v1", "ExternalSecret")}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_is_valid(overlay: str, version: str, tmp_path: Path) -> None:
    docs = kubectl_kustomize(overlay, tmp_path)
    assert len(docs) > 20
    skipped = set()
    for doc in docs:
        kind = (doc["apiVersion"], doc["kind"])
        if kind in WITHOUT_SCHEMA:
            skipped.add(kind)
            continue
        try:
            validated = kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(map(str, error.path))
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']}: {where}: {error.message}")
        except SchemaNotFoundError as error:
            pytest.fail(f"{error.message}: name it in WITHOUT_SCHEMA if it is a custom resource")
        assert validated == version
    assert skipped == (WITHOUT_SCHEMA if overlay == "prod" else set())


def test_strict_validation_refuses_an_unknown_field(tmp_path: Path) -> None:
    """The check above can fail: a misspelt probe field, as kubectl would silently drop it."""
    docs = kubectl_kustomize("dev", tmp_path)
    (worker,) = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "worker"]
    worker["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(worker, KUBERNETES_VERSIONS[-1], strict=True)
