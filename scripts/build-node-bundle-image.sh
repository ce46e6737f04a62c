#!/usr/bin/env bash
# Build an image that runs one JavaScript/TypeScript program without any registry:
# orch.local/node-base (the host's node, from deploy/images/build-offline.sh, built here
# with NODE_BASE_ONLY=1 when missing) plus ENTRY bundled with its npm dependencies
# (@kubernetes/client-node, from node_modules) into one file by esbuild, at /app/OUT.
# Used by build-kube-client-image.sh and build-webapp-operator-image.sh.
#
#   build-node-bundle-image.sh IMAGE ENTRY OUT CMD_JSON [EXTRA_HASH_INPUT...]
#
# Idempotent: the image carries a label with the hash of its inputs (the base image, the
# sources next to ENTRY of its kind, the client's package.json, the extra inputs, this
# script); FORCE=1 rebuilds.
set -euo pipefail

[ "$#" -ge 4 ] || { echo "usage: $0 IMAGE ENTRY OUT CMD_JSON [EXTRA_HASH_INPUT...]" >&2; exit 2; }
IMAGE="$1" ENTRY="$2" OUT="$3" CMD_JSON="$4"
shift 4
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOCKER="docker ${DOCKER_HOST:+-H $DOCKER_HOST}"
NODE_BASE_IMAGE="${NODE_BASE_IMAGE:-orch.local/node-base:latest}"
ESBUILD="$REPO/node_modules/.bin/esbuild"
CLIENT_PKG="$REPO/node_modules/@kubernetes/client-node/package.json"

$DOCKER version >/dev/null 2>&1 || { echo "no Docker engine answers (start one with scripts/start-dockerd.sh)" >&2; exit 1; }
[ -x "$ESBUILD" ] && [ -f "$CLIENT_PKG" ] || { echo "run npm ci first: $ESBUILD and @kubernetes/client-node are needed" >&2; exit 1; }
[ -f "$ENTRY" ] || { echo "$ENTRY: no such file" >&2; exit 1; }
if ! $DOCKER image inspect "$NODE_BASE_IMAGE" >/dev/null 2>&1; then
  NODE_BASE_ONLY=1 NODE_BASE_IMAGE="$NODE_BASE_IMAGE" bash "$REPO/deploy/images/build-offline.sh"
fi

# The entry's directory holds the program's own sources (an esbuild bundle reads them all).
sources=("$(dirname "$ENTRY")"/*."${ENTRY##*.}")
hash="$( { $DOCKER image inspect -f '{{.Id}}' "$NODE_BASE_IMAGE"; cat "${sources[@]}" "$CLIENT_PKG" "$@" "${BASH_SOURCE[0]}"; echo "$CMD_JSON"; } | sha256sum | cut -c1-32)"
current="$($DOCKER image inspect -f '{{index .Config.Labels "orch.build-hash"}}' "$IMAGE" 2>/dev/null || true)"
if [ "$current" = "$hash" ] && [ "${FORCE:-}" != 1 ]; then echo "$IMAGE is up to date"; exit 0; fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"; [ -n "${cid:-}" ] && $DOCKER rm -f "$cid" >/dev/null 2>&1 || true' EXIT
mkdir -p "$tmp/app"
"$ESBUILD" "$ENTRY" --bundle --platform=node --format=esm --target=node20 --log-level=error --outfile="$tmp/app/$OUT" \
  --banner:js="import { createRequire } from 'module'; const require = createRequire(import.meta.url);"
cid="$($DOCKER create --label "orch.build=$(basename "${IMAGE%%:*}")" "$NODE_BASE_IMAGE" sleep 3600)"
tar -C "$tmp" -c app | $DOCKER cp - "$cid:/"
$DOCKER commit --change "LABEL orch.build-hash=$hash" --change "CMD $CMD_JSON" "$cid" "$IMAGE" >/dev/null
echo "built $IMAGE"
