#!/usr/bin/env bash
# Roll jisso out to one environment in the one safe order (docs/operations.md, "Deploy" and "Migrate"):
#
#   1. config: the Namespace, ServiceAccount, ConfigMap and Secret (or ExternalSecret), labelled
#      app.kubernetes.io/component=config; an ExternalSecret is waited for until Ready;
#   2. migrate: the previous Job is deleted (a Job's pod template is immutable), the new one created and
#      waited for; if it fails, its log is printed and nothing else changes;
#   3. everything else: the APIs, the worker and the scheduler roll onto the migrated schema;
#   4. wait for every Deployment's rollout.
#
# Usage: deploy/k8s/rollout.sh dev|prod   (kubectl pointed at the right cluster)
set -euo pipefail

env=${1:?usage: deploy/k8s/rollout.sh dev|prod}
dir="$(cd "$(dirname "$0")" && pwd)/overlays/$env"
ns=$(sed -n 's/^namespace: *//p' "$dir/kustomization.yaml")
job=jisso-migrate

echo "1/4 config -> namespace $ns"
kubectl apply -k "$dir" -l app.kubernetes.io/component=config
if kubectl kustomize "$dir" | grep -q '^kind: ExternalSecret$'; then
  kubectl -n "$ns" wait --for=condition=Ready externalsecret --all --timeout=5m
fi

echo "2/4 migrate"
kubectl -n "$ns" delete job "$job" --ignore-not-found --wait
kubectl apply -k "$dir" -l app.kubernetes.io/component=migrate
# The Job gives up after activeDeadlineSeconds, so this loop ends.
while :; do
  state=$(kubectl -n "$ns" get job "$job" \
    -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
  case " $state " in
    *" Complete "*) break ;;
    *" Failed "*)
      kubectl -n "$ns" logs "job/$job" --tail=200 || true
      echo "migration failed: nothing else was rolled out" >&2
      exit 1
      ;;
  esac
  sleep 5
done

echo "3/4 apply"
kubectl apply -k "$dir"

echo "4/4 wait for the rollouts"
for deployment in registry review notify worker scheduler; do
  kubectl -n "$ns" rollout status "deployment/$deployment" --timeout=10m
done
