"""The manifests against the application: ports, probes, commands, image and settings."""

from __future__ import annotations

import re

import pytest

from libs.common.settings import Settings
from services.catalogue import DEFAULT_METRICS_PORTS, DEFAULT_PORTS, SERVICE_NAMES
from tests.deploy.kustomize import Doc, _containers_of_all, _pod_spec, _split_image
from tests.deploy.manifests import (
    APIS,
    BACKGROUND_METRICS_PORTS,
    ROLES,
    base,
    compose_jisso_services,
    container_of,
    environment_of,
    known_variables,
    matches,
    one,
    openapi_paths,
    parse_cli,
    pod_labels,
    secret_keys,
    settings_variables,
    workload_of,
    workloads,
)


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


def test_the_background_roles_serve_metrics_and_liveness_on_their_port(
    docs: tuple[Doc, ...],
) -> None:
    """The worker and the scheduler open one port, `--metrics-port`: the scrape and /healthz."""
    for role, port in BACKGROUND_METRICS_PORTS.items():
        container = container_of(docs, role)
        _, params = parse_cli(container["args"])
        assert params["metrics_port"] == port, role
        assert container["ports"] == [{"name": "metrics", "containerPort": port, "protocol": "TCP"}]
        annotations = workload_of(docs, role)["spec"]["template"]["metadata"]["annotations"]
        assert annotations == {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(port),
            "prometheus.io/path": "/metrics",
        }
        for probe in ("livenessProbe", "startupProbe"):
            assert container[probe]["httpGet"] == {"path": "/healthz", "port": "metrics"}, role
        # The heartbeat goes stale after 30 s; a few failed probes on top, not one blip.
        assert container["livenessProbe"]["failureThreshold"] >= 3
        assert "readinessProbe" not in container  # no Service routes to them


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
        # /readyz runs its checks (the database, Redis) one after another, each with a 3 s timeout.
        assert container["readinessProbe"]["timeoutSeconds"] >= 3 * 2


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
    """Every service's Settings accept the rendered ConfigMap and Secret (prod: a stand-in
    secret)."""
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
    """Kubernetes would inject REGISTRY_PORT=tcp://… and the like, under the services' own
    prefixes."""
    for workload in workloads(docs):
        pod = _pod_spec(workload)
        assert pod is not None
        assert pod["enableServiceLinks"] is False
        assert pod["automountServiceAccountToken"] is False
