"""The Kubernetes manifests (deploy/k8s) and docker-compose.yml, checked against the application.

No kustomize is importable from Python, so this module renders the overlays itself, in the minimal way
their kustomization files need: ``resources`` (files and directories), ``secretGenerator`` with
``behavior: replace``, strategic-merge patches (maps merged, ``null`` deletes a key, ``containers``
merged by name, ``$patch: delete``), JSON 6902 patches (``replace``/``add``/``remove``), ``images`` and
``namespace``. Anything else in a kustomization or a patch fails loudly instead of rendering wrongly;
where ``kubectl`` is installed, one test compares this renderer with ``kubectl kustomize``.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from libs.common.settings import (
    DEFAULT_METRICS_PORTS,
    DEFAULT_PORTS,
    SERVICE_NAMES,
    Settings,
    _PrefixedSettings,
)

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
APIS = SERVICE_NAMES
ROLES = (*APIS, "worker", "scheduler", "migrate")
INTERNAL_PATHS = {"/healthz", "/readyz", "/metrics"}
INGRESS_CONTROLLER_NS = "ingress-nginx"

Doc = dict[str, Any]


# --- a minimal kustomize ---------------------------------------------------------------------------

KUSTOMIZATION_FIELDS = {
    "apiVersion",
    "kind",
    "namespace",
    "resources",
    "images",
    "patches",
    "secretGenerator",
}
# Lists a strategic-merge patch may contain, with the key their items merge on.
MERGE_KEYS = {"containers": "name"}


def render(directory: Path) -> list[Doc]:
    """What ``kubectl kustomize directory`` prints, for the features the manifests use."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KUSTOMIZATION_FIELDS
    assert not unknown, f"{directory}: the test renderer does not implement {sorted(unknown)}"
    docs: list[Doc] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        docs += render(path) if path.is_dir() else _load(path)
    for generator in kustomization.get("secretGenerator", []):
        docs = _generate_secret(directory, generator, docs)
    for patch in kustomization.get("patches", []):
        docs = _patch(directory, patch, docs)
    for image in kustomization.get("images", []):
        _set_image(docs, image)
    if namespace := kustomization.get("namespace"):
        for doc in docs:
            if doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = namespace
    return docs


def _load(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _generate_secret(directory: Path, generator: Doc, docs: list[Doc]) -> list[Doc]:
    assert set(generator) <= {"name", "behavior", "envs", "options"}, generator
    assert generator.get("behavior") == "replace", "only behavior: replace is implemented"
    values: dict[str, str] = {}
    for name in generator["envs"]:
        path = directory / name
        if not path.exists():  # secrets.env is never committed; its example has the same keys.
            path = path.with_name(f"{path.name}.example")
        for line in path.read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": generator["name"],
            "labels": generator.get("options", {}).get("labels", {}),
        },
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in values.items()},
    }
    replaced = [d for d in docs if _id(d) == ("Secret", generator["name"])]
    assert replaced, f"behavior: replace needs a Secret {generator['name']} in the resources"
    return [secret if _id(d) == ("Secret", generator["name"]) else d for d in docs]


def _patch(directory: Path, entry: Doc, docs: list[Doc]) -> list[Doc]:
    assert set(entry) <= {"path", "target"}, f"unsupported patch entry {entry}"
    patches = _load(directory / entry["path"])
    if len(patches) == 1 and isinstance(patches[0], list):  # JSON 6902
        target = entry["target"]
        matches = [d for d in docs if _id(d) == (target["kind"], target["name"])]
        assert len(matches) == 1, f"JSON 6902 target {target} matches {len(matches)} resources"
        for operation in patches[0]:
            _json6902(matches[0], operation)
        return docs
    assert "target" not in entry, "strategic-merge patches are matched by their own kind and name"
    for patch in patches:
        key = _id(patch)
        assert any(_id(d) == key for d in docs), f"patch {key} matches no resource"
        if patch.get("$patch") == "delete":
            docs = [d for d in docs if _id(d) != key]
        else:
            docs = [_merge(d, patch) if _id(d) == key else d for d in docs]
    return docs


def _merge(base: Any, patch: Any, key: str = "") -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for k, value in patch.items():
            if value is None:
                merged.pop(k, None)
            else:
                merged[k] = _merge(base[k], value, k) if k in base else copy.deepcopy(value)
        return merged
    if isinstance(patch, list) and any(isinstance(item, dict | list) for item in patch):
        assert key in MERGE_KEYS, f"the test renderer cannot strategic-merge the list {key!r}"
        merge_key = MERGE_KEYS[key]
        merged_items = [copy.deepcopy(item) for item in base]
        for item in patch:
            index = [i for i, b in enumerate(merged_items) if b[merge_key] == item[merge_key]]
            if index:
                merged_items[index[0]] = _merge(merged_items[index[0]], item)
            else:
                merged_items.append(copy.deepcopy(item))
        return merged_items
    return copy.deepcopy(patch)


def _json6902(doc: Doc, operation: Doc) -> None:
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in operation["path"].split("/")[1:]]
    parent: Any = doc
    for token in tokens[:-1]:
        parent = parent[int(token)] if isinstance(parent, list) else parent[token]
    last: Any = int(tokens[-1]) if isinstance(parent, list) and tokens[-1] != "-" else tokens[-1]
    op = operation["op"]
    if op == "replace":
        assert last in parent if isinstance(parent, dict) else last < len(parent), operation
        parent[last] = copy.deepcopy(operation["value"])
    elif op == "add":
        if isinstance(parent, list):
            parent.insert(len(parent) if last == "-" else last, copy.deepcopy(operation["value"]))
        else:
            parent[last] = copy.deepcopy(operation["value"])
    elif op == "remove":
        del parent[last]
    else:
        raise AssertionError(f"the test renderer does not implement op {op!r}")


def _set_image(docs: list[Doc], image: Doc) -> None:
    for container in _containers_of_all(docs):
        name, tag = _split_image(container["image"])
        if name != image["name"]:
            continue
        name, tag = image.get("newName", name), image.get("newTag", tag)
        if "digest" in image:
            container["image"] = f"{name}@{image['digest']}"
        else:
            container["image"] = f"{name}:{tag}" if tag else name


def _split_image(image: str) -> tuple[str, str | None]:
    if "@" in image:
        return image.split("@", 1)[0], None
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return image, None
    return name, tag


def _id(doc: Doc) -> tuple[str, str]:
    return doc["kind"], doc["metadata"]["name"]


def _containers_of_all(docs: list[Doc]) -> Iterator[Doc]:
    for doc in docs:
        if pod := _pod_spec(doc):
            yield from pod.get("initContainers", [])
            yield from pod["containers"]


def _pod_spec(doc: Doc) -> Doc | None:
    if doc["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
        spec: Doc = doc["spec"]["template"]["spec"]
        return spec
    return None


# --- the rendered manifests and the application's facts ---------------------------------------------


@cache
def rendered(overlay: str) -> tuple[Doc, ...]:
    return tuple(render(K8S / "overlays" / overlay))


@cache
def base() -> tuple[Doc, ...]:
    return tuple(render(K8S / "base"))


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
    """Every environment variable the shared Settings read (``service`` is set by the code)."""
    return {name.upper() for name in Settings.model_fields if name != "service"}


def known_variables() -> set[str]:
    """Settings' variables, the per-service overrides and the services' own knobs."""
    from services.notify.config import NotifySettings
    from services.review.config import ReviewSettings

    known = settings_variables()
    for service in SERVICE_NAMES:
        known |= {f"{service.upper()}_{f.upper()}" for f in _PrefixedSettings.for_service(service)}
    known |= {f"NOTIFY_{f.upper()}" for f in NotifySettings.model_fields}
    known |= {f"REVIEW_{f.upper()}" for f in ReviewSettings.model_fields}
    return known


def secret_keys(docs: tuple[Doc, ...], name: str) -> set[str]:
    """Keys of the Secret ``name``: a Secret in the manifests, or the ExternalSecret that writes it."""
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


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def docs(overlay: str) -> tuple[Doc, ...]:
    return rendered(overlay)


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


# --- the renderer itself ------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("name", OVERLAYS)
def test_the_renderer_agrees_with_kubectl_kustomize(name: str, tmp_path: Path) -> None:
    tree = tmp_path / "k8s"
    shutil.copytree(K8S, tree)
    example = tree / "overlays" / name / "secrets.env.example"
    if example.exists():
        (tree / "overlays" / name / "secrets.env").write_text(example.read_text())
    output = subprocess.run(
        ["kubectl", "kustomize", str(tree / "overlays" / name)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    def normal(documents: list[Doc] | tuple[Doc, ...]) -> dict[tuple[str, str], str]:
        for doc in documents:  # kustomize wraps long base64 values
            if doc["kind"] == "Secret" and "data" in doc:
                doc["data"] = {k: base64.b64decode(v) for k, v in doc["data"].items()}
        return {_id(d): json.dumps(d, sort_keys=True, default=str) for d in documents}

    theirs = normal([d for d in yaml.safe_load_all(output) if d])
    ours = normal(render(tree / "overlays" / name))
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


# --- the application's ports, probes, commands and settings --------------------------------------------


def test_api_ports_are_the_default_ports(docs: tuple[Doc, ...]) -> None:
    for name in APIS:
        container = container_of(docs, name)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"http": DEFAULT_PORTS[name], "metrics": DEFAULT_METRICS_PORTS[name]}
        _, params = parse_cli(container["args"])
        assert params["service"] == name
        assert params["port"] == DEFAULT_PORTS[name]
        assert params["host"] == "0.0.0.0"
        # The metrics are scraped on their own port, the one the process will listen on.
        env = environment_of(docs, container)
        settings = Settings(service=name, metrics_port=env["METRICS_PORT"])
        listens = params["metrics_port"] if params["metrics_port"] is not None else None
        assert (listens or settings.metrics_listen_port) == ports["metrics"]
        annotations = workload_of(docs, name)["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(ports["metrics"])
        assert annotations["prometheus.io/path"] == "/metrics"
        assert "/metrics" not in openapi_paths(name)  # not on the API port
        service = one(docs, "Service", name)
        assert matches({"matchLabels": service["spec"]["selector"]}, pod_labels(docs, name))
        (port,) = service["spec"]["ports"]
        assert port["port"] == DEFAULT_PORTS[name]
        assert port["targetPort"] in {p["name"] for p in container["ports"]}


def test_probes_hit_routes_the_apps_serve(docs: tuple[Doc, ...]) -> None:
    for name in APIS:
        container = container_of(docs, name)
        port_names = {p["name"] for p in container["ports"]}
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            get = container[probe]["httpGet"]
            assert get["path"] in openapi_paths(name), f"{name} {probe}: no route {get['path']}"
            assert get["port"] in port_names | {DEFAULT_PORTS[name]}
        # /readyz checks up to three dependencies one after another, each with a 3 s timeout.
        assert container["readinessProbe"]["timeoutSeconds"] >= 9


def test_every_role_runs_the_jisso_image_with_its_cli_command(docs: tuple[Doc, ...]) -> None:
    images = {c["image"] for c in _containers_of_all(list(docs))}
    assert len(images) == 1, images
    expected = {
        **{name: ("serve", {"service": name}) for name in APIS},
        "worker": ("worker", {}),
        "scheduler": ("scheduler", {}),
        "migrate": ("migrate", {}),
    }
    for role, (command, params) in expected.items():
        container = container_of(docs, role)
        assert container["command"] == ["jisso"]
        parsed_command, parsed = parse_cli(container["args"])
        assert parsed_command == command
        assert params.items() <= parsed.items()
    assert {c["name"] for c in _containers_of_all(list(docs))} == set(ROLES)


def test_kubernetes_and_compose_run_the_same_command_per_role(docs: tuple[Doc, ...]) -> None:
    services = compose_jisso_services()
    assert set(services) == set(ROLES)
    for role in ROLES:
        assert container_of(docs, role)["args"] == services[role]["command"], role


def test_image_tags(overlay: str, docs: tuple[Doc, ...]) -> None:
    (image,) = {c["image"] for c in _containers_of_all(list(docs))}
    name, tag = _split_image(image)
    assert name.rsplit("/", 1)[-1] == "jisso"
    if overlay == "dev":
        assert tag == "dev"
    else:  # pinned: a release version or a digest, never a moving tag
        assert "@sha256:" in image or re.fullmatch(r"\d+\.\d+\.\d+(-[\w.]+)?", tag or ""), image


def test_every_variable_the_settings_read_is_provided(docs: tuple[Doc, ...]) -> None:
    for workload in workloads(docs):
        for container in _pod_spec(workload)["containers"]:  # type: ignore[index]
            env = environment_of(docs, container)
            missing = settings_variables() - set(env)
            assert not missing, f"{container['name']} lacks {sorted(missing)}"
            unknown = set(env) - known_variables()
            assert not unknown, f"{container['name']} sets variables nothing reads: {unknown}"


def test_the_configuration_loads(
    monkeypatch: pytest.MonkeyPatch, docs: tuple[Doc, ...], overlay: str
) -> None:
    """Every service's Settings accept the rendered ConfigMap and Secret (prod: a stand-in secret)."""
    from libs.common.settings import load_settings

    env = environment_of(docs, container_of(docs, "registry"))
    stand_in = {
        "DATABASE_URL": "postgresql+asyncpg://jisso:pw@db.internal:5432/jisso",
        "REDIS_URL": "redis://redis.internal:6379/0",
        "SMTP_URL": "smtp://mail.internal:587",
        "JWT_SECRET": "21e5c31d9705653649109cfd4e9c8e2d9a9de55750323c582e45d5e1274b145a",
        "JWT_PREVIOUS_SECRETS": "",
        "LINK_SECRET": "105d8dbabaf5c8e58c247c9c04129b599d438bcddc0244665e4c3334f9d4fab8",
        "LINK_PREVIOUS_SECRETS": "",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, stand_in[key] if value is None else value)
    for secret in ("JWT_SECRET", "LINK_SECRET"):  # dev's secrets.env.example leaves them empty
        if not env[secret]:
            monkeypatch.setenv(secret, stand_in[secret])
    for service in SERVICE_NAMES:
        settings = load_settings(service)
        assert settings.environment == ("staging" if overlay == "dev" else "production")
        for peer in SERVICE_NAMES:
            assert settings.url_of(peer) == f"http://{peer}:{DEFAULT_PORTS[peer]}"


def test_the_base_placeholder_secret_cannot_start_a_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from libs.common.settings import load_settings

    for key, value in environment_of(base(), container_of(base(), "registry")).items():
        monkeypatch.setenv(key, value or "")
    with pytest.raises(ValueError, match="JWT_SECRET"):
        load_settings("registry")


def test_secret_keys_are_the_same_everywhere(docs: tuple[Doc, ...]) -> None:
    expected = secret_keys(base(), "jisso-secrets")
    assert expected == {
        "DATABASE_URL",
        "REDIS_URL",
        "SMTP_URL",
        "JWT_SECRET",
        "JWT_PREVIOUS_SECRETS",
        "LINK_SECRET",
        "LINK_PREVIOUS_SECRETS",
    }
    assert secret_keys(docs, "jisso-secrets") == expected
    assert not expected & set(one(docs, "ConfigMap", "jisso-config")["data"])


def test_no_service_links_and_no_api_token(docs: tuple[Doc, ...]) -> None:
    """Kubernetes would inject REGISTRY_PORT=tcp://… and the like, under the services' own prefixes."""
    for workload in workloads(docs):
        pod = _pod_spec(workload)
        assert pod is not None
        assert pod["enableServiceLinks"] is False
        assert pod["automountServiceAccountToken"] is False


# --- replicas, autoscaling, disruption -----------------------------------------------------------------


def test_the_scheduler_is_one_and_recreated(docs: tuple[Doc, ...]) -> None:
    scheduler = workload_of(docs, "scheduler")
    assert scheduler["kind"] == "Deployment"
    assert scheduler["spec"]["replicas"] == 1
    assert scheduler["spec"]["strategy"] == {"type": "Recreate"}
    targets = {
        h["spec"]["scaleTargetRef"]["name"] for h in of_kind(docs, "HorizontalPodAutoscaler")
    }
    assert scheduler["metadata"]["name"] not in targets


def test_every_api_and_the_worker_autoscale_on_cpu(overlay: str, docs: tuple[Doc, ...]) -> None:
    autoscalers = {
        h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(docs, "HorizontalPodAutoscaler")
    }
    assert set(autoscalers) == {*APIS, "worker"}
    for name, hpa in autoscalers.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert workload_of(docs, name)["metadata"]["name"] == name
        assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
        # The autoscaler owns the count: a `replicas` in the Deployment would reset it on every apply.
        assert "replicas" not in one(docs, "Deployment", name)["spec"]
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
        # CPU utilisation is measured against the request.
        assert container_of(docs, name)["resources"]["requests"]["cpu"]
        if overlay == "prod":
            assert hpa["spec"]["minReplicas"] >= 2
        else:
            assert hpa["spec"]["minReplicas"] == 1


def test_every_api_has_a_disruption_budget(overlay: str, docs: tuple[Doc, ...]) -> None:
    budgets = of_kind(docs, "PodDisruptionBudget")
    for name in APIS:
        (budget,) = [b for b in budgets if matches(b["spec"]["selector"], pod_labels(docs, name))]
        assert budget["apiVersion"] == "policy/v1"
        spec = budget["spec"]
        assert len({"minAvailable", "maxUnavailable"} & set(spec)) == 1
        if overlay == "prod":
            assert spec["minAvailable"] == 1
        else:  # one replica: minAvailable 1 would block every node drain
            assert spec["maxUnavailable"] == 1


def test_resources_are_set_and_prod_is_larger(docs: tuple[Doc, ...]) -> None:
    def quantity(value: str | int) -> float:
        text = str(value)
        units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
        for suffix, factor in units.items():
            if text.endswith(suffix):
                return float(text[: -len(suffix)]) * factor
        return float(text)

    for role in ROLES:
        resources = container_of(docs, role)["resources"]
        for kind in ("cpu", "memory"):
            request = quantity(resources["requests"][kind])
            assert 0 < request <= quantity(resources["limits"][kind]), (role, kind)
    dev, prod = rendered("dev"), rendered("prod")
    for role in (*APIS, "worker"):
        for kind in ("cpu", "memory"):
            assert quantity(container_of(prod, role)["resources"]["requests"][kind]) > quantity(
                container_of(dev, role)["resources"]["requests"][kind]
            )


# --- security -----------------------------------------------------------------------------------------


def test_every_container_runs_as_non_root_on_a_read_only_root(docs: tuple[Doc, ...]) -> None:
    for workload in workloads(docs):
        pod = _pod_spec(workload)
        assert pod is not None
        tmp_volumes = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            context = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
            assert context["runAsNonRoot"] is True, container["name"]
            # A numeric user: the kubelet cannot check a named image user against runAsNonRoot.
            assert isinstance(context["runAsUser"], int) and context["runAsUser"] > 0
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]
            assert context["seccompProfile"]["type"] == "RuntimeDefault"
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert mounts.get("/tmp") in tmp_volumes, f"{container['name']}: no emptyDir on /tmp"


def test_network_policies(docs: tuple[Doc, ...]) -> None:
    registry, review, notify = (DEFAULT_PORTS[n] for n in APIS)
    # Review and notify (and the workers running their jobs) call the registry.
    assert allows(docs, from_role="review", to="registry", port=registry)
    assert allows(docs, from_role="notify", to="registry", port=registry)
    assert allows(docs, from_role="worker", to="registry", port=registry)
    # Review reaches notify only through Redis; nobody inside calls review or notify.
    for source in ("registry", "review", "notify", "worker", "scheduler", "migrate"):
        for target, port in (("review", review), ("notify", notify)):
            assert not allows(docs, from_role=source, to=target, port=port), (source, target)
    assert not allows(docs, from_role="scheduler", to="registry", port=registry)
    assert not allows(docs, from_role="migrate", to="registry", port=registry)
    # From outside the namespace: the ingress controller reaches the APIs and nothing else.
    for name in APIS:
        assert allows(docs, from_namespace=INGRESS_CONTROLLER_NS, to=name, port=DEFAULT_PORTS[name])
        # Prometheus reaches the metrics port and not the API; nobody else reaches the metrics.
        assert allows(docs, from_namespace="monitoring", to=name, port=DEFAULT_METRICS_PORTS[name])
        assert not allows(docs, from_namespace="monitoring", to=name, port=DEFAULT_PORTS[name])
        assert not allows(
            docs, from_namespace=INGRESS_CONTROLLER_NS, to=name, port=DEFAULT_METRICS_PORTS[name]
        )
        assert not allows(docs, from_role="worker", to=name, port=DEFAULT_METRICS_PORTS[name])
        assert not allows(docs, from_namespace="default", to=name, port=DEFAULT_PORTS[name])
        assert not allows(
            docs, from_namespace=INGRESS_CONTROLLER_NS, to=name, port=DEFAULT_PORTS[name] + 1000
        )
    for name in ("worker", "scheduler"):
        assert not allows(docs, from_namespace=INGRESS_CONTROLLER_NS, to=name, port=8000)
        assert not allows(docs, from_role="registry", to=name, port=8000)


def test_the_ingress_routes_every_public_path_and_no_internal_one(docs: tuple[Doc, ...]) -> None:
    (ingress,) = of_kind(docs, "Ingress")
    hosts: dict[str, str] = {}
    for rule in ingress["spec"]["rules"]:
        (service,) = {p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
        hosts[service] = rule["host"]
        port_names = {p["name"] for p in one(docs, "Service", service)["spec"]["ports"]}
        for path in rule["http"]["paths"]:
            assert path["backend"]["service"]["port"]["name"] in port_names

        def routed(url_path: str, paths: list[Doc] = rule["http"]["paths"]) -> bool:
            return any(
                url_path == p["path"]
                if p["pathType"] == "Exact"
                else url_path == p["path"] or url_path.startswith(p["path"].rstrip("/") + "/")
                for p in paths
            )

        public = openapi_paths(service) - INTERNAL_PATHS
        assert public, service
        unrouted = {p for p in public if not routed(p)}
        assert not unrouted, f"{service}: {sorted(unrouted)} not reachable through the Ingress"
        for path in (*INTERNAL_PATHS, "/docs", "/openapi.json"):
            assert routed(path) == (path not in INTERNAL_PATHS), (service, path)
    assert set(hosts) == set(APIS) and len(set(hosts.values())) == len(APIS)
    assert set(ingress["spec"]["tls"][0]["hosts"]) == set(hosts.values())
    config = one(docs, "ConfigMap", "jisso-config")["data"]
    # Links in mails (RSVP, unsubscribe) must point at notify's public host.
    assert config["PUBLIC_BASE_URL"] == f"https://{hosts['notify']}"
    assert all(o.startswith("https://") for o in config["CORS_ORIGINS"].split(","))


def test_prod_ingress_mirrors_the_authenticated_rate_limit() -> None:
    """The edge's per-address backstop is the APIs' per-caller rate (ingress-nginx annotations)."""
    from limits import parse

    (ingress,) = of_kind(rendered("prod"), "Ingress")
    annotations = ingress["metadata"]["annotations"]
    config = one(rendered("prod"), "ConfigMap", "jisso-config")["data"]
    per_caller = parse(config["RATE_LIMIT_AUTHENTICATED"])
    rps = per_caller.amount / per_caller.get_expiry()
    assert int(annotations["nginx.ingress.kubernetes.io/limit-rps"]) == rps
    assert int(annotations["nginx.ingress.kubernetes.io/limit-burst-multiplier"]) > 1
    (dev_ingress,) = of_kind(rendered("dev"), "Ingress")
    assert "nginx.ingress.kubernetes.io/limit-rps" not in dev_ingress["metadata"]["annotations"]


# --- the migration Job and the rollout order -----------------------------------------------------------


def test_the_migration_job_runs_before_the_rollout(docs: tuple[Doc, ...]) -> None:
    job = workload_of(docs, "migrate")
    assert job["kind"] == "Job"
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate"
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["activeDeadlineSeconds"] > 0  # so the rollout's wait ends
    assert "ttlSecondsAfterFinished" not in job["spec"]
    script = (K8S / "rollout.sh").read_text()
    name = job["metadata"]["name"]
    steps = [
        "-l app.kubernetes.io/component=config",
        'delete job "$job"',
        "-l app.kubernetes.io/component=migrate",
        '*" Complete "*',
        'kubectl apply -k "$dir"\n',
    ]
    positions = [script.index(step) for step in steps]
    assert positions == sorted(positions), "rollout.sh must run config, migrate, then the rest"
    assert f"job={name}\n" in script
    # Everything the Job needs before it can run is in the config step.
    config = {(d["kind"], d["metadata"]["name"]) for d in docs if _is_config(d)}
    pod = _pod_spec(job)
    assert pod is not None
    needed = {("ServiceAccount", pod["serviceAccountName"])}
    for source in pod["containers"][0]["envFrom"]:
        if ref := source.get("configMapRef"):
            needed.add(("ConfigMap", ref["name"]))
        else:
            secret = source["secretRef"]["name"]
            kind = "Secret" if ("Secret", secret) in {_id(d) for d in docs} else "ExternalSecret"
            needed.add((kind, secret))
    assert needed <= config, needed - config


def _is_config(doc: Doc) -> bool:
    return doc["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "config"


# --- docker-compose.yml --------------------------------------------------------------------------------


def test_compose_runs_known_cli_commands() -> None:
    for name, service in compose_jisso_services().items():
        command, params = parse_cli(service["command"])
        if command == "serve":
            assert params["service"] == name
            assert params["port"] == DEFAULT_PORTS[name]
            assert params["host"] == "0.0.0.0"
            assert service["ports"] == [f"{DEFAULT_PORTS[name]}:{DEFAULT_PORTS[name]}"]
        else:
            assert command == name


def test_compose_healthchecks_and_start_order() -> None:
    services = compose()["services"]
    for name in ("postgres", "redis", "mailpit", *APIS):
        assert services[name]["healthcheck"]["test"], name
    for name in APIS:
        assert f"127.0.0.1:{DEFAULT_PORTS[name]}/readyz" in " ".join(
            services[name]["healthcheck"]["test"]
        )
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            condition = condition["condition"]
            assert condition in ("service_healthy", "service_completed_successfully"), name
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], (name, dependency)
            else:
                assert services[dependency].get("restart") == "no", (name, dependency)
    # Nothing that serves or works starts before the migration has finished.
    for name in (*APIS, "worker", "scheduler"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert services["notify"]["depends_on"]["mailpit"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_compose_environment_matches_the_settings() -> None:
    required = {"ENVIRONMENT", "DATABASE_URL", "REDIS_URL", "SMTP_URL", "JWT_SECRET", "LINK_SECRET"}
    for name, service in compose_jisso_services().items():
        env = set(service["environment"])
        assert env <= known_variables(), f"{name}: {env - known_variables()} are read by nothing"
        assert required <= env, name
        assert {f"{peer.upper()}_URL" for peer in SERVICE_NAMES} <= env, name
        for peer in SERVICE_NAMES:
            assert service["environment"][f"{peer.upper()}_URL"] == (
                f"http://{peer}:{DEFAULT_PORTS[peer]}"
            )
