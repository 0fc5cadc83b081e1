"""Security: containers' contexts, the network policies and what the Ingress exposes."""

from __future__ import annotations

from services.catalogue import DEFAULT_METRICS_PORTS, DEFAULT_PORTS
from tests.deploy.kustomize import Doc, _pod_spec
from tests.deploy.manifests import (
    APIS,
    BACKGROUND_METRICS_PORTS,
    INGRESS_CONTROLLER_NS,
    INTERNAL_PATHS,
    ROLES,
    allows,
    of_kind,
    one,
    openapi_paths,
    rendered,
    workloads,
)


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
    # Prometheus scrapes the background roles' metrics port (where their /healthz is too: the
    # kubelet's probes are not subject to NetworkPolicy) and nothing else reaches it.
    for name, port in BACKGROUND_METRICS_PORTS.items():
        assert allows(docs, from_namespace="monitoring", to=name, port=port), name
        assert not allows(docs, from_namespace="monitoring", to=name, port=port + 1), name
        assert not allows(docs, from_namespace=INGRESS_CONTROLLER_NS, to=name, port=port), name
        assert not allows(docs, from_namespace="default", to=name, port=port), name
        for source in ROLES:
            assert not allows(docs, from_role=source, to=name, port=port), (source, name)


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
