#!/usr/bin/env bash
# Start a Docker engine in the background unless one already answers on the socket.
# Stale pidfiles/sockets from an earlier (dead) engine are cleared first: dockerd
# refuses to start when it finds a pidfile, even one whose process is long gone.
set -euo pipefail
SOCK="${DOCKER_SOCK:-/var/run/docker.sock}"
LOG="${DOCKERD_LOG:-/var/log/orch-dockerd.log}"
if docker -H "unix://$SOCK" version >/dev/null 2>&1; then
  echo "dockerd already answering on $SOCK"
  exit 0
fi
rm -f /var/run/docker.pid "$SOCK" /var/run/docker/containerd/containerd.pid 2>/dev/null || true
nohup dockerd -H "unix://$SOCK" >"$LOG" 2>&1 &
for _ in $(seq 1 60); do
  if docker -H "unix://$SOCK" version >/dev/null 2>&1; then echo "dockerd ready on $SOCK"; exit 0; fi
  sleep 1
done
echo "dockerd did not become ready within 60s; last log lines:" >&2
tail -n 30 "$LOG" >&2
exit 1
