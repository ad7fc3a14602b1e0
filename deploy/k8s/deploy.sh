#!/usr/bin/env bash
# Deploys an overlay in order: config and Secrets (and the dev overlay's Postgres/NATS), then the migration
# Jobs, waiting for them to succeed, then the services. A failed migration stops here, before any new pod
# of any service starts.
#
#   deploy/k8s/deploy.sh deploy/k8s/overlays/production [--timeout 900]
#
# Needs kubectl >= 1.27 (built-in kustomize) and a context pointing at the target cluster.
set -euo pipefail

overlay="${1:?usage: deploy.sh <overlay dir> [--timeout seconds]}"
timeout=900
if [[ "${2:-}" == "--timeout" ]]; then timeout="${3:?--timeout needs seconds}"; fi

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
kubectl kustomize "$overlay" >"$rendered"
namespace="$(awk '/^kind: Namespace$/{ns=1} ns && /^  name: /{print $2; exit}' "$rendered")"
namespace="${namespace:?the overlay must create its Namespace}"
k() { kubectl -n "$namespace" "$@"; }

echo "1/4 config, Secrets, infrastructure ($namespace)"
kubectl apply -f "$rendered" -l 'app.kubernetes.io/component notin (server,migrate)'
# The dev overlay brings its own Postgres and NATS: wait for them (nothing to wait for in production).
for workload in $(k get statefulset,deployment -l app.kubernetes.io/component=dev-infra -o name); do
  k rollout status "$workload" --timeout="${timeout}s"
done

echo "2/4 migrations"
# Jobs are immutable: remove the previous release's before creating this one's.
k delete job -l app.kubernetes.io/component=migrate --ignore-not-found --wait=true
kubectl apply -f "$rendered" -l app.kubernetes.io/component=migrate
deadline=$((SECONDS + timeout))
while :; do
  # One line per Job: <name> <Complete status> <Failed status>
  states="$(k get job -l app.kubernetes.io/component=migrate -o jsonpath='{range .items[*]}{.metadata.name}{" c="}{.status.conditions[?(@.type=="Complete")].status}{" f="}{.status.conditions[?(@.type=="Failed")].status}{"\n"}{end}')"
  failed="$(awk '$3 == "f=True" {print $1}' <<<"$states")"
  if [[ -n "$failed" ]]; then
    echo "migration failed: $failed" >&2
    for job in $failed; do k logs "job/$job" --tail=100 >&2 || true; done
    exit 1
  fi
  jobs_total="$(grep -c . <<<"$states" || true)"
  done_count="$(awk '$2 == "c=True"' <<<"$states" | grep -c . || true)"
  if [[ "$jobs_total" -gt 0 && "$done_count" -eq "$jobs_total" ]]; then break; fi
  if ((SECONDS > deadline)); then
    echo "migrations not finished after ${timeout}s:" >&2
    echo "$states" >&2
    exit 1
  fi
  sleep 5
done
echo "migrations complete ($jobs_total jobs)"

echo "3/4 services"
kubectl apply -f "$rendered"

echo "4/4 rollout"
for deployment in $(k get deployment -l app.kubernetes.io/component=server -o name); do
  k rollout status "$deployment" --timeout="${timeout}s"
done
echo "deployed $overlay to $namespace"
