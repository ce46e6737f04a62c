#!/usr/bin/env bash
# Start a single-member etcd for local development unless one already answers.
set -euo pipefail
ENDPOINT="${ETCD_ENDPOINT:-http://127.0.0.1:2379}"
DATA="${ETCD_DATA_DIR:-/var/lib/orch-dev-etcd}"
LOG="${ETCD_LOG:-/var/log/orch-dev-etcd.log}"
if ETCDCTL_API=3 etcdctl --endpoints="$ENDPOINT" endpoint health >/dev/null 2>&1; then
  echo "etcd already answering on $ENDPOINT"; exit 0
fi
mkdir -p "$DATA"
nohup etcd --data-dir "$DATA" --listen-client-urls "$ENDPOINT" --advertise-client-urls "$ENDPOINT" \
  --listen-peer-urls http://127.0.0.1:2380 >"$LOG" 2>&1 &
for _ in $(seq 1 30); do
  if ETCDCTL_API=3 etcdctl --endpoints="$ENDPOINT" endpoint health >/dev/null 2>&1; then echo "etcd ready on $ENDPOINT"; exit 0; fi
  sleep 1
done
echo "etcd did not become ready; last log lines:" >&2; tail -n 30 "$LOG" >&2; exit 1
