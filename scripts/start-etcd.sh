#!/usr/bin/env bash
# Start a single-member etcd for local development unless one already answers.
# (Tests do not need this: they start their own throw-away etcd on free ports.)
# Like start-dockerd.sh it checks that etcd answers, not that files exist, and detaches
# the process from this shell so nothing waiting on our output waits on etcd.
set -euo pipefail
ENDPOINT="${ETCD_ENDPOINT:-http://127.0.0.1:2379}"
PEER="${ETCD_PEER_URL:-http://127.0.0.1:2380}"
DATA="${ETCD_DATA_DIR:-/var/lib/orch-dev-etcd}"
LOG="${ETCD_LOG:-/var/log/orch-dev-etcd.log}"

healthy() { ETCDCTL_API=3 timeout 10 etcdctl --endpoints="$ENDPOINT" --dial-timeout=2s endpoint health >/dev/null 2>&1; }

if healthy; then
  echo "etcd already answering on $ENDPOINT"; exit 0
fi
if ! command -v etcd >/dev/null 2>&1; then
  echo "etcd not found: apt-get install -y etcd-server etcd-client" >&2; exit 1
fi
mkdir -p "$DATA" "$(dirname "$LOG")"
chmod 700 "$DATA"
# Bounded history and size, as `orch up` runs it (docs/operations.md, "etcd maintenance").
setsid nohup etcd --data-dir "$DATA" --listen-client-urls "$ENDPOINT" --advertise-client-urls "$ENDPOINT" \
  --listen-peer-urls "$PEER" \
  --auto-compaction-mode periodic --auto-compaction-retention 10m \
  --quota-backend-bytes 2147483648 --max-request-bytes 1572864 </dev/null >>"$LOG" 2>&1 &
pid=$!
for _ in $(seq 1 30); do
  if healthy; then echo "etcd ready on $ENDPOINT (pid $pid)"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
echo "etcd did not become ready; last log lines:" >&2; tail -n 30 "$LOG" >&2 || true; exit 1
