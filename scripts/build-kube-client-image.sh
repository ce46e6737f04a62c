#!/usr/bin/env bash
# Build orch.local/kube-client:latest without any registry: test/images/kube-client/list.mjs
# bundled with @kubernetes/client-node onto orch.local/node-base, at /app/list.mjs (see
# build-node-bundle-image.sh). The service account e2e test runs it inside a pod:
# loadFromCluster() and nothing else. Idempotent; FORCE=1 rebuilds.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec bash "$REPO/scripts/build-node-bundle-image.sh" orch.local/kube-client:latest \
  "$REPO/test/images/kube-client/list.mjs" list.mjs '["sleep", "3600"]' "${BASH_SOURCE[0]}"
