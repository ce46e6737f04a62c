#!/usr/bin/env bash
# Start a Docker engine in the background unless one already answers on the socket.
#
# "Answers" means `docker version` reaches the daemon, never "a socket file exists":
# after a crash or a machine image snapshot the pidfile and socket outlive the engine,
# and dockerd refuses to start while it finds a pidfile ("pid file found").
#   - a pidfile naming a live dockerd that does not answer yet: give it time, then stop it
#   - a pidfile naming a dead process (or something else): removed, with the stale socket
# The engine is detached from this shell (own session, stdin from /dev/null, output to a
# log file) so a CI runner waiting for our output never waits for dockerd.
#
# Env: DOCKER_SOCK (default /var/run/docker.sock), DOCKERD_PIDFILE (/var/run/docker.pid),
#      DOCKERD_LOG (/var/log/orch-dockerd.log), DOCKERD_WAIT (seconds, default 60),
#      DOCKERD_EXEC_ROOT (/var/run/docker; its containerd pidfile goes stale too).
set -euo pipefail
SOCK="${DOCKER_SOCK:-/var/run/docker.sock}"
PIDFILE="${DOCKERD_PIDFILE:-/var/run/docker.pid}"
LOG="${DOCKERD_LOG:-/var/log/orch-dockerd.log}"
WAIT="${DOCKERD_WAIT:-60}"
EXEC_ROOT="${DOCKERD_EXEC_ROOT:-/var/run/docker}"

answers() { timeout 10 docker -H "unix://$SOCK" version >/dev/null 2>&1; }
is_dockerd() { [ -n "${1:-}" ] && [ -r "/proc/$1/comm" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = dockerd ]; }

if answers; then
  echo "dockerd already answering on $SOCK"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "dockerd not found: apt-get install -y docker.io" >&2
  exit 1
fi

old_pid="$(cat "$PIDFILE" 2>/dev/null || true)"
if is_dockerd "$old_pid"; then
  # An engine is alive but silent: it may still be starting (or shutting down).
  echo "dockerd (pid $old_pid) is running but not answering yet; waiting up to ${WAIT}s"
  for _ in $(seq 1 "$WAIT"); do
    if answers; then echo "dockerd ready on $SOCK"; exit 0; fi
    is_dockerd "$old_pid" || break
    sleep 1
  done
  if is_dockerd "$old_pid"; then
    echo "dockerd (pid $old_pid) never answered; stopping it" >&2
    kill -TERM "$old_pid" 2>/dev/null || true
    for _ in $(seq 1 20); do is_dockerd "$old_pid" || break; sleep 1; done
    is_dockerd "$old_pid" && kill -KILL "$old_pid" 2>/dev/null || true
  fi
fi

# Whatever is left is stale: the process behind it is gone.
if [ -e "$PIDFILE" ] || [ -e "$SOCK" ]; then echo "clearing stale $PIDFILE / $SOCK"; fi
rm -f "$PIDFILE" "$SOCK" "$EXEC_ROOT/containerd/containerd.pid" 2>/dev/null || true

mkdir -p "$(dirname "$LOG")"
echo "starting dockerd (log: $LOG)"
setsid nohup dockerd -H "unix://$SOCK" --pidfile "$PIDFILE" </dev/null >>"$LOG" 2>&1 &
new_pid=$!
for _ in $(seq 1 "$WAIT"); do
  if answers; then echo "dockerd ready on $SOCK (pid $new_pid)"; exit 0; fi
  if ! kill -0 "$new_pid" 2>/dev/null; then break; fi
  sleep 1
done
echo "dockerd did not become ready within ${WAIT}s; last log lines:" >&2
tail -n 40 "$LOG" >&2 || true
exit 1
