#!/usr/bin/env bash
# Build orch.local/webapp-operator:latest (IMAGE= to name it otherwise) without any
# registry: the example operator (examples/operator/src/main.ts) bundled with
# @kubernetes/client-node onto orch.local/node-base, at /app/operator.mjs (see
# build-node-bundle-image.sh). examples/operator/deploy/operator.yaml runs it as a pod; the
# operator e2e test (test/e2e/operator-pod.test.ts) builds it with this script.
# Idempotent; FORCE=1 rebuilds.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec bash "$REPO/scripts/build-node-bundle-image.sh" "${IMAGE:-orch.local/webapp-operator:latest}" \
  "$REPO/examples/operator/src/main.ts" operator.mjs '["node", "/app/operator.mjs"]' "${BASH_SOURCE[0]}"
