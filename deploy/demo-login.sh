#!/usr/bin/env bash
# Point `orch` on the host at the compose demo cluster: copies the CA and the admin token
# out of the cluster's pki volume and creates (and selects) an orch context for it.
#   deploy/demo-login.sh [-p PROJECT] [--context NAME] [--dir DIR]
# Environment: ORCH_API_PORT (the port docker-compose.yml published, default 16443),
# COMPOSE (the compose command; default `docker compose` if present, else docker-compose),
# ORCH (the orch command; default `orch`, else node dist/cli/main.js of this checkout).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="" context="demo" dir="${ORCH_HOME:-$HOME/.orch}/demo"
while [ $# -gt 0 ]; do
  case "$1" in
    -p|--project) project="$2"; shift 2 ;;
    --context) context="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "demo-login: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "${COMPOSE:-}" ]; then
  if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"; else COMPOSE="docker-compose"; fi
fi
if [ -z "${ORCH:-}" ]; then
  if command -v orch >/dev/null 2>&1; then ORCH=orch; else ORCH="node $HERE/../dist/cli/main.js"; fi
fi
id="$($COMPOSE -f "$HERE/docker-compose.yml" ${project:+-p "$project"} ps -q apiserver)"
[ -n "$id" ] || { echo "demo-login: no apiserver container: run docker compose up -d first" >&2; exit 1; }
mkdir -p "$dir" && chmod 700 "$dir"
# Right after `up -d` the init service may still be writing the PKI volume: wait for it.
for i in $(seq 1 60); do
  # init-pki writes /pki/.ready last, once every file is in place.
  if docker cp "$id:/pki/.ready" - >/dev/null 2>&1; then
    docker cp "$id:/pki/ca.crt" "$dir/ca.crt" && docker cp "$id:/pki/tokens/admin.token" "$dir/admin.token" && break
  fi
  [ "$i" -lt 60 ] || { echo "demo-login: no CA and admin token in the apiserver container after 60s: is the init service failing? ($COMPOSE logs init)" >&2; exit 1; }
  sleep 1
done
chmod 600 "$dir/admin.token"
server="https://127.0.0.1:${ORCH_API_PORT:-16443}"
$ORCH config set-context "$context" --server "$server" --ca-file "$dir/ca.crt" --token-file "$dir/admin.token" --namespace default --current
echo "context $context -> $server (CA and token in $dir); try: orch get nodes"
