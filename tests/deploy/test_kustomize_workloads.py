"""How the workloads run: replicas, autoscaling, disruption budgets, resources, and the migration
Job that runs before the rollout."""

from __future__ import annotations

import textwrap

import yaml

from tests.deploy.kustomize import Doc, _id, _pod_spec
from tests.deploy.manifests import (
    APIS,
    K8S,
    ROLES,
    ROOT,
    container_of,
    matches,
    of_kind,
    one,
    pod_labels,
    rendered,
    workload_of,
)

# The gauge the worker exports (libs/common/worker.py) and prometheus-adapter serves to the HPA.
QUEUE_DEPTH_METRIC = "jisso_queue_depth"

# --- replicas, autoscaling, disruption ------------------------------------------------------------


def test_the_scheduler_is_one_and_recreated(docs: tuple[Doc, ...]) -> None:
    scheduler = workload_of(docs, "scheduler")
    assert scheduler["kind"] == "Deployment"
    assert scheduler["spec"]["replicas"] == 1
    assert scheduler["spec"]["strategy"] == {"type": "Recreate"}
    targets = {
        h["spec"]["scaleTargetRef"]["name"] for h in of_kind(docs, "HorizontalPodAutoscaler")
    }
    assert scheduler["metadata"]["name"] not in targets


def test_every_api_autoscales_on_cpu_and_the_worker_on_queue_depth(
    overlay: str, docs: tuple[Doc, ...]
) -> None:
    autoscalers = {
        h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(docs, "HorizontalPodAutoscaler")
    }
    assert set(autoscalers) == {*APIS, "worker"}
    for name, hpa in autoscalers.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert workload_of(docs, name)["metadata"]["name"] == name
        # The autoscaler owns the count: a `replicas` in the Deployment would reset it on every
        # apply.
        assert "replicas" not in one(docs, "Deployment", name)["spec"]
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
        if overlay == "prod":
            assert hpa["spec"]["minReplicas"] >= 2
        else:
            assert hpa["spec"]["minReplicas"] == 1
    for name in APIS:
        (metric,) = autoscalers[name]["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        # CPU utilisation is measured against the request.
        assert container_of(docs, name)["resources"]["requests"]["cpu"]
    # The worker: the jobs waiting, one worker per 50, through prometheus-adapter's external API,
    # from the gauge the worker process exports.
    from libs.common.worker import QUEUE_DEPTH

    assert [family.name for family in QUEUE_DEPTH.collect()] == [QUEUE_DEPTH_METRIC]
    (metric,) = autoscalers["worker"]["spec"]["metrics"]
    assert metric == {
        "type": "External",
        "external": {
            "metric": {"name": QUEUE_DEPTH_METRIC},
            "target": {"type": "AverageValue", "averageValue": "50"},
        },
    }


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


def test_a_drain_evicts_one_worker_at_a_time(docs: tuple[Doc, ...]) -> None:
    budgets = of_kind(docs, "PodDisruptionBudget")
    (budget,) = [b for b in budgets if matches(b["spec"]["selector"], pod_labels(docs, "worker"))]
    assert budget["apiVersion"] == "policy/v1"
    # In every overlay: dev's single worker can still be drained, prod's never two at once.
    assert {k: v for k, v in budget["spec"].items() if k != "selector"} == {"maxUnavailable": 1}
    assert not [b for b in budgets if matches(b["spec"]["selector"], pod_labels(docs, "scheduler"))]


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


# --- the migration Job and the rollout order ------------------------------------------------------


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


def test_the_documented_adapter_rule_serves_the_hpas_metric() -> None:
    """docs/operations.md "Scale" gives prometheus-adapter's rule: it must name the HPA's metric and
    not count a queue once per pod (every pod exports the same queues' depth)."""
    text = (ROOT / "docs" / "operations.md").read_text()
    scale = text[text.index("\n## Scale\n") :]
    block = scale[scale.index("```yaml\n") + len("```yaml\n") :]
    (rule,) = yaml.safe_load(textwrap.dedent(block[: block.index("```")]))["externalRules"]
    assert rule["seriesQuery"].startswith(f"{QUEUE_DEPTH_METRIC}{{")
    assert rule.get("name", {}).get("as", QUEUE_DEPTH_METRIC) == QUEUE_DEPTH_METRIC
    assert rule["resources"]["overrides"]["namespace"] == {"resource": "namespace"}
    query = rule["metricsQuery"]
    assert query.startswith("sum by (namespace) (max by (namespace, service) (<<.Series>>")
