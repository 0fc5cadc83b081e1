"""The rendered manifests (deploy/k8s), docker-compose.yml and the application's facts they are
checked against: shared by the deploy tests, so that each reads the manifests the same way."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from libs.common.settings import Settings, prefixed_names
from services.catalogue import SERVICE_NAMES
from tests.deploy.kustomize import Doc, _containers_of_all, _id, _pod_spec, render

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
APIS = SERVICE_NAMES
ROLES = (*APIS, "worker", "scheduler", "migrate")
INTERNAL_PATHS = {"/healthz", "/readyz", "/metrics"}
INGRESS_CONTROLLER_NS = "ingress-nginx"
# The metrics port of each role without an API (`jisso worker/scheduler --metrics-port`): the scrape
# and the /healthz liveness heartbeat.
BACKGROUND_METRICS_PORTS = {"worker": 9100, "scheduler": 9104}


@cache
def rendered(overlay: str) -> tuple[Doc, ...]:
    return tuple(render(K8S / "overlays" / overlay))


@cache
def base() -> tuple[Doc, ...]:
    return tuple(render(K8S / "base"))


def kubectl() -> str:
    """kubectl's path. A developer without it gets a skip; CI (CI=true) has it on every machine, so
    there its absence fails instead of passing the schema checks silently."""
    path = shutil.which("kubectl")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("kubectl is not installed: CI renders the overlays with kubectl kustomize")
        pytest.skip("kubectl is not installed")
    return path


def kubectl_kustomize(overlay: str, tmp_path: Path) -> list[Doc]:
    """``kubectl kustomize`` of an overlay, on a copy of deploy/k8s with the example secrets."""
    tree = tmp_path / "k8s"
    shutil.copytree(K8S, tree)
    example = tree / "overlays" / overlay / "secrets.env.example"
    if example.exists():
        (tree / "overlays" / overlay / "secrets.env").write_text(example.read_text())
    output = subprocess.run(
        [kubectl(), "kustomize", str(tree / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [d for d in yaml.safe_load_all(output) if d]


def one(docs: tuple[Doc, ...] | list[Doc], kind: str, name: str) -> Doc:
    found = [d for d in docs if _id(d) == (kind, name)]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def of_kind(docs: tuple[Doc, ...], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


def workloads(docs: tuple[Doc, ...]) -> list[Doc]:
    return [d for d in docs if _pod_spec(d) is not None]


def container_of(docs: tuple[Doc, ...], role: str) -> Doc:
    """The container of a role: each workload has one container, named after its role."""
    found = [c for c in _containers_of_all(list(docs)) if c["name"] == role]
    assert len(found) == 1, f"container {role}: {len(found)} found"
    return found[0]


def workload_of(docs: tuple[Doc, ...], role: str) -> Doc:
    found = [
        d for d in workloads(docs) if any(c["name"] == role for c in _pod_spec(d)["containers"])
    ]  # type: ignore[index]
    assert len(found) == 1, f"workload of {role}: {len(found)} found"
    return found[0]


@cache
def openapi_paths(service: str) -> frozenset[str]:
    from services.runtime import openapi_document

    return frozenset(json.loads(openapi_document(service))["paths"])  # type: ignore[arg-type]


@cache
def cli() -> Any:
    """The CLI as a command group (Typer's own click), to parse arguments without running them."""
    from services.cli import app

    return typer.main.get_command(app)


def cli_command_names() -> set[str]:
    """The top-level commands, as the Typer app registers them."""
    from services.cli import app

    return {
        command.name or typer.main.get_command_name(command.callback.__name__)  # type: ignore[union-attr]
        for command in app.registered_commands
    }


def parse_cli(args: list[str]) -> tuple[str, dict[str, Any]]:
    """Parse ``jisso ARGS`` with the real CLI (nothing runs); returns the command and its params."""
    assert args and args[0] in cli_command_names(), f"{args}: not a jisso command"
    command = cli().commands[args[0]]
    context = command.make_context(f"jisso {args[0]}", list(args[1:]))
    return args[0], dict(context.params)


def settings_variables() -> set[str]:
    """Every environment variable the shared Settings read (``service`` is set by the code; the
    peers' URLs are read per registered service, ``<NAME>_URL``)."""
    fields = {n.upper() for n in Settings.model_fields if n not in ("service", "service_urls")}
    return fields | {f"{service.upper()}_URL" for service in SERVICE_NAMES}


def known_variables() -> set[str]:
    """Settings' variables, the per-service overrides and the services' own knobs (the same
    list the settings refuse an unknown prefixed variable by)."""
    known = settings_variables()
    for service in SERVICE_NAMES:
        known |= prefixed_names(service)
    return known


def secret_keys(docs: tuple[Doc, ...], name: str) -> set[str]:
    """Keys of the Secret ``name``: a Secret in the manifests, or the ExternalSecret that writes
    it."""
    secrets = [d for d in of_kind(docs, "Secret") if d["metadata"]["name"] == name]
    external = [
        d
        for d in of_kind(docs, "ExternalSecret")
        if d["spec"]["target"].get("name", d["metadata"]["name"]) == name
    ]
    assert len(secrets) + len(external) == 1, f"Secret {name}: {len(secrets)} + {len(external)}"
    if secrets:
        return set(secrets[0].get("data", {})) | set(secrets[0].get("stringData", {}))
    return {item["secretKey"] for item in external[0]["spec"]["data"]}


def environment_of(docs: tuple[Doc, ...], container: Doc) -> dict[str, str | None]:
    """The variables a container gets; Secret values are None when an ExternalSecret writes them."""
    env: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        if ref := source.get("configMapRef"):
            env.update(one(docs, "ConfigMap", ref["name"])["data"])
        elif ref := source.get("secretRef"):
            secrets = [d for d in of_kind(docs, "Secret") if d["metadata"]["name"] == ref["name"]]
            if secrets:
                env.update(
                    {k: base64.b64decode(v).decode() for k, v in secrets[0].get("data", {}).items()}
                )
                env.update(secrets[0].get("stringData", {}))
            else:
                env.update(dict.fromkeys(secret_keys(docs, ref["name"])))
    for item in container.get("env", []):
        env[item["name"]] = item.get("value")
    return env


def matches(selector: Doc, labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels and In/NotIn/Exists/DoesNotExist expressions)."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values")
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def pod_labels(docs: tuple[Doc, ...], role: str) -> dict[str, str]:
    labels: dict[str, str] = workload_of(docs, role)["spec"]["template"]["metadata"]["labels"]
    return labels


def allows(
    docs: tuple[Doc, ...],
    *,
    to: str,
    port: int,
    from_role: str | None = None,
    from_namespace: str | None = None,
) -> bool:
    """Does the rendered NetworkPolicy set let a pod (of ``from_role`` in the namespace, or any pod
    in ``from_namespace``) open a connection to ``port`` of the ``to`` role's pods?"""
    namespace = one(docs, "Deployment", to)["metadata"].get("namespace", "default")
    source_namespace = from_namespace or namespace
    source_namespace_labels = {"kubernetes.io/metadata.name": source_namespace}
    source_labels = pod_labels(docs, from_role) if from_role else {}
    target_labels = pod_labels(docs, to)
    named_ports = {p["name"]: p["containerPort"] for p in container_of(docs, to).get("ports", [])}
    policies = [
        p
        for p in of_kind(docs, "NetworkPolicy")
        if "Ingress" in p["spec"].get("policyTypes", ["Ingress"])
        and matches(p["spec"]["podSelector"], target_labels)
    ]
    if not policies:
        return True

    def peer_matches(peer: Doc) -> bool:
        if "ipBlock" in peer:
            return False
        if "namespaceSelector" in peer:
            if not matches(peer["namespaceSelector"], source_namespace_labels):
                return False
        elif source_namespace != namespace:
            return False
        if "podSelector" in peer:
            return from_role is not None and matches(peer["podSelector"], source_labels)
        return True

    def port_matches(rule: Doc) -> bool:
        if not rule.get("ports"):
            return True
        return any(named_ports.get(p.get("port"), p.get("port")) == port for p in rule["ports"])

    return any(
        port_matches(rule) and (not rule.get("from") or any(map(peer_matches, rule["from"])))
        for policy in policies
        for rule in policy["spec"].get("ingress", [])
    )


@cache
def compose() -> Doc:
    loaded: Doc = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def compose_jisso_services() -> dict[str, Doc]:
    """The compose services that run the jisso image (the rest are postgres, redis, mailpit)."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("image", "").split(":")[0] == "jisso"
    }
