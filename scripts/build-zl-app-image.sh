#!/usr/bin/env bash
# Build orch.local/zl-app:v1, :v2 and :v3 without any registry: orch.local/node-base (the
# host's node + its shared libraries + busybox, from deploy/images/build-offline.sh, built
# here with NODE_BASE_ONLY=1 when missing) plus test/images/zl-app/server.cjs, the HTTP
# app of the zero-loss scenario and bench/rollout (its header says what it does).
# The three tags differ only in ENV VERSION (v1/v2/v3), so a rollout can change the image
# and the answers tell which one served.
#
# `docker create` + `docker cp` + `docker commit` rather than `docker build`: a build FROM
# a local-only image may make BuildKit look for it in a registry; commit needs nothing.
# Idempotent: each tag carries a label with the hash of its inputs (node-base's id and
# server.cjs) and is rebuilt only when they changed (FORCE=1 rebuilds). Used by .ci/run and
# called by the zero-loss scenario and bench/rollout before they start their cluster.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOCKER="docker ${DOCKER_HOST:+-H $DOCKER_HOST}"
NODE_BASE_IMAGE="${NODE_BASE_IMAGE:-orch.local/node-base:latest}"
IMAGE=orch.local/zl-app
APP="$REPO/test/images/zl-app/server.cjs"

$DOCKER version >/dev/null 2>&1 || { echo "no Docker engine answers (start one with scripts/start-dockerd.sh)" >&2; exit 1; }
if ! $DOCKER image inspect "$NODE_BASE_IMAGE" >/dev/null 2>&1; then
  NODE_BASE_ONLY=1 NODE_BASE_IMAGE="$NODE_BASE_IMAGE" bash "$REPO/deploy/images/build-offline.sh"
fi

hash="$( { $DOCKER image inspect -f '{{.Id}}' "$NODE_BASE_IMAGE"; cat "$APP" "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-32)"
for version in v1 v2 v3; do
  current="$($DOCKER image inspect -f '{{index .Config.Labels "orch.build-hash"}}' "$IMAGE:$version" 2>/dev/null || true)"
  if [ "$current" = "$hash" ] && [ "${FORCE:-}" != 1 ]; then echo "$IMAGE:$version is up to date"; continue; fi
  old_id="$($DOCKER image inspect -f '{{.Id}}' "$IMAGE:$version" 2>/dev/null || true)"
  cid="$($DOCKER create --label orch.build=zl-app "$NODE_BASE_IMAGE" node /app/server.cjs)"
  trap '$DOCKER rm -f "$cid" >/dev/null 2>&1 || true' EXIT
  $DOCKER cp "$APP" "$cid:/app/server.cjs" 2>/dev/null || {
    # docker cp needs the target directory: create it through a tar stream.
    tmp="$(mktemp -d)"; mkdir -p "$tmp/app"; cp "$APP" "$tmp/app/server.cjs"
    tar -C "$tmp" -c app | $DOCKER cp - "$cid:/"; rm -rf "$tmp"
  }
  $DOCKER commit \
    --change "ENV VERSION=$version" --change 'EXPOSE 8080' --change "LABEL orch.build-hash=$hash" \
    --change 'CMD ["node", "/app/server.cjs"]' "$cid" "$IMAGE:$version" >/dev/null
  $DOCKER rm -f "$cid" >/dev/null
  trap - EXIT
  echo "built $IMAGE:$version"
  # The previous build is now untagged: remove it unless a container still uses it.
  if [ -n "$old_id" ] && [ "$old_id" != "$($DOCKER image inspect -f '{{.Id}}' "$IMAGE:$version")" ]; then
    $DOCKER rmi "$old_id" >/dev/null 2>&1 || true
  fi
done
