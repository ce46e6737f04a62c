#!/usr/bin/env bash
# Build orch.local/iperf3:latest without any registry: Debian's iperf3 binary with exactly
# the shared libraries `ldd` lists (and the dynamic loader), plus busybox-static for sh,
# ping, nc and sleep, imported with `docker import`. Used by the pod-network tests and
# bench/network (iperf3 -s in one pod, iperf3 -c in another). Installs iperf3 with apt-get
# when it is missing. Idempotent: an existing image is left alone (FORCE=1 rebuilds).
set -euo pipefail
IMAGE=orch.local/iperf3:latest
DOCKER="docker ${DOCKER_HOST:+-H $DOCKER_HOST}"
BUSYBOX="$(command -v busybox || echo /bin/busybox)"
if ! $DOCKER version >/dev/null 2>&1; then echo "no Docker engine answers (start one with scripts/start-dockerd.sh)" >&2; exit 1; fi
if $DOCKER image inspect "$IMAGE" >/dev/null 2>&1 && [ "${FORCE:-}" != 1 ]; then echo "$IMAGE exists"; exit 0; fi
if [ ! -x "$BUSYBOX" ]; then echo "busybox-static not found: apt-get install -y busybox-static" >&2; exit 1; fi
if ! command -v iperf3 >/dev/null 2>&1; then
  echo "installing iperf3 (Debian package)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iperf3 </dev/null >/dev/null
fi
IPERF3="$(command -v iperf3)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/usr/bin" "$tmp/tmp" "$tmp/etc" "$tmp/proc" "$tmp/sys" "$tmp/dev"
cp "$BUSYBOX" "$tmp/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$tmp/bin/$applet"
done
cp -L "$IPERF3" "$tmp/usr/bin/iperf3"
# Every absolute path ldd prints (`lib => /path (addr)` and the loader's `/path (addr)`),
# copied to the same place, symlinks resolved.
for lib in $(ldd "$IPERF3" | grep -o '/[^ ]*'); do
  mkdir -p "$tmp$(dirname "$lib")"
  cp -L "$lib" "$tmp$lib"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$tmp/etc/passwd"
echo 'root:x:0:' > "$tmp/etc/group"
chmod 1777 "$tmp/tmp"
# A shell as PID 1 traps SIGTERM so a stop is immediate (iperf3 in the background).
tar -C "$tmp" -c . | $DOCKER import --change 'ENV PATH=/usr/bin:/bin' \
  --change 'CMD ["/bin/sh","-c","trap \"exit 0\" TERM INT; iperf3 -s & wait"]' - "$IMAGE" >/dev/null
echo "built $IMAGE ($("$IPERF3" --version | head -1))"
