#!/usr/bin/env bash
# Build orch.local/webapp-operator:latest without any registry: orch.local/node-base (the
# host's node, from deploy/images/build-offline.sh, built here with NODE_BASE_ONLY=1 when
# missing) plus the example operator (examples/operator/src/main.ts) bundled with
# @kubernetes/client-node into one file by esbuild (from node_modules), at
# /app/operator.mjs. examples/operator/deploy/operator.yaml runs it as a pod; the operator
# e2e test (test/e2e/operator-pod.test.ts) builds it with this script.
# Idempotent: the image carries a label with the hash of its inputs; FORCE=1 rebuilds.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOCKER="docker ${DOCKER_HOST:+-H $DOCKER_HOST}"
NODE_BASE_IMAGE="${NODE_BASE_IMAGE:-orch.local/node-base:latest}"
IMAGE="${IMAGE:-orch.local/webapp-operator:latest}"
SRC_DIR="$REPO/examples/operator/src"
ESBUILD="$REPO/node_modules/.bin/esbuild"
CLIENT_PKG="$REPO/node_modules/@kubernetes/client-node/package.json"

$DOCKER version >/dev/null 2>&1 || { echo "no Docker engine answers (start one with scripts/start-dockerd.sh)" >&2; exit 1; }
[ -x "$ESBUILD" ] && [ -f "$CLIENT_PKG" ] || { echo "run npm ci first: $ESBUILD and @kubernetes/client-node are needed" >&2; exit 1; }
if ! $DOCKER image inspect "$NODE_BASE_IMAGE" >/dev/null 2>&1; then
  NODE_BASE_ONLY=1 NODE_BASE_IMAGE="$NODE_BASE_IMAGE" bash "$REPO/deploy/images/build-offline.sh"
fi

hash="$( { $DOCKER image inspect -f '{{.Id}}' "$NODE_BASE_IMAGE"; cat "$SRC_DIR"/*.ts "$CLIENT_PKG" "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-32)"
current="$($DOCKER image inspect -f '{{index .Config.Labels "orch.build-hash"}}' "$IMAGE" 2>/dev/null || true)"
if [ "$current" = "$hash" ] && [ "${FORCE:-}" != 1 ]; then echo "$IMAGE is up to date"; exit 0; fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"; [ -n "${cid:-}" ] && $DOCKER rm -f "$cid" >/dev/null 2>&1 || true' EXIT
mkdir -p "$tmp/app"
"$ESBUILD" "$SRC_DIR/main.ts" --bundle --platform=node --format=esm --target=node20 --log-level=error --outfile="$tmp/app/operator.mjs" \
  --banner:js="import { createRequire } from 'module'; const require = createRequire(import.meta.url);"
cid="$($DOCKER create --label orch.build=webapp-operator "$NODE_BASE_IMAGE" sleep 3600)"
tar -C "$tmp" -c app | $DOCKER cp - "$cid:/"
$DOCKER commit --change "LABEL orch.build-hash=$hash" --change 'CMD ["node", "/app/operator.mjs"]' "$cid" "$IMAGE" >/dev/null
echo "built $IMAGE"
