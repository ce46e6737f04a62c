#!/usr/bin/env bash
# Build the local images tests and examples use, without any registry: a root
# filesystem made of busybox-static (sh, sleep, httpd, wget, nc, ...) imported with
# `docker import`. Idempotent: images that already exist are left alone.
#   orch.local/busybox:latest  - busybox applets, default command sh
#   orch.local/web:latest      - serves /www on port 8080 with busybox httpd; exits at
#                                once on SIGTERM (a shell traps it: httpd as PID 1 would
#                                ignore it and every stop would wait the grace period)
#   orch.local/health-web:latest - a web server whose health answer a test switches at run
#                                time (probes): busybox httpd on 8080 serving
#                                  /cgi-bin/health   200 "ok" while /tmp/healthy exists, else 500
#                                  /healthz          the file /tmp/healthy itself: 200, else 404
#                                  /cgi-bin/set?ok   creates /tmp/healthy (set?fail removes it)
#                                  /cgi-bin/slow?N   answers 200 after N seconds (default 30)
#                                healthy from the start, or only after $HEALTHY_AFTER seconds
#                                (startup probes); flip it with `exec rm /tmp/healthy` /
#                                `touch /tmp/healthy` or the set URL. Exits at once on SIGTERM.
#   orch.local/kubectl:latest  - busybox plus the host's kubectl (a static Go binary) at
#                                /bin/kubectl: an in-cluster client for the service account
#                                e2e test (no kubeconfig: it uses the pod's token and CA)
#   orch.local/pause:3.10      - the pod sandbox (--pod-infra-container-image) where
#                                registry.k8s.io/pause cannot be pulled: busybox sh, sleep
#                                and nothing else; exits 0 at once on SIGTERM/SIGINT
set -euo pipefail
DOCKER="docker ${DOCKER_HOST:+-H $DOCKER_HOST}"
BUSYBOX="$(command -v busybox || echo /bin/busybox)"
if [ ! -x "$BUSYBOX" ]; then echo "busybox-static not found: apt-get install -y busybox-static" >&2; exit 1; fi
if ! $DOCKER version >/dev/null 2>&1; then echo "no Docker engine answers (start one with scripts/start-dockerd.sh)" >&2; exit 1; fi
# A dynamically linked busybox would not run inside the image (no libc there).
if command -v file >/dev/null 2>&1; then
  case "$(file -L "$BUSYBOX")" in
    *"dynamically linked"*) echo "$BUSYBOX is dynamically linked: install busybox-static" >&2; exit 1 ;;
  esac
fi
tmp=""
trap '[ -n "$tmp" ] && rm -rf "$tmp"' EXIT

build_rootfs() {
  local dir="$1"
  mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc" "$dir/www" "$dir/proc" "$dir/sys" "$dir/dev"
  cp "$BUSYBOX" "$dir/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/etc/passwd"
  echo 'root:x:0:' > "$dir/etc/group"
  chmod 1777 "$dir/tmp"
}

image_exists() { $DOCKER image inspect "$1" >/dev/null 2>&1; }

if ! image_exists orch.local/busybox:latest || [ "${FORCE:-}" = 1 ]; then
  tmp="$(mktemp -d)"; build_rootfs "$tmp"
  tar -C "$tmp" -c . | $DOCKER import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' - orch.local/busybox:latest >/dev/null
  rm -rf "$tmp"; tmp=""; echo "built orch.local/busybox:latest"
fi
if ! image_exists orch.local/web:latest || [ "${FORCE:-}" = 1 ]; then
  tmp="$(mktemp -d)"; build_rootfs "$tmp"
  echo '<h1>Hello from orch</h1>' > "$tmp/www/index.html"
  tar -C "$tmp" -c . | $DOCKER import --change 'ENV PATH=/bin' --change 'EXPOSE 8080' \
    --change 'CMD ["/bin/sh","-c","trap \"exit 0\" TERM INT; httpd -f -v -p 8080 -h /www & wait"]' - orch.local/web:latest >/dev/null
  rm -rf "$tmp"; tmp=""; echo "built orch.local/web:latest"
fi
if ! image_exists orch.local/health-web:latest || [ "${FORCE:-}" = 1 ]; then
  tmp="$(mktemp -d)"; build_rootfs "$tmp"; mkdir -p "$tmp/www/cgi-bin"
  echo '<h1>health-web</h1>' > "$tmp/www/index.html"
  # /healthz is a link to the state file: httpd serves it while it exists, 404 otherwise.
  ln -s /tmp/healthy "$tmp/www/healthz"
  cat > "$tmp/www/cgi-bin/health" <<'CGI'
#!/bin/sh
if [ -e /tmp/healthy ]; then printf 'Content-Type: text/plain\r\n\r\nok\n'
else printf 'Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nunhealthy\n'; fi
CGI
  cat > "$tmp/www/cgi-bin/set" <<'CGI'
#!/bin/sh
case "$QUERY_STRING" in
  ok) echo ok > /tmp/healthy ;;
  fail) rm -f /tmp/healthy ;;
  *) printf 'Status: 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nuse set?ok or set?fail\n'; exit 0 ;;
esac
printf 'Content-Type: text/plain\r\n\r\n%s\n' "$QUERY_STRING"
CGI
  cat > "$tmp/www/cgi-bin/slow" <<'CGI'
#!/bin/sh
sleep "${QUERY_STRING:-30}"; printf 'Content-Type: text/plain\r\n\r\nslow\n'
CGI
  cat > "$tmp/bin/health-web" <<'START'
#!/bin/sh
trap "exit 0" TERM INT
rm -f /tmp/healthy
if [ "${HEALTHY_AFTER:-0}" -gt 0 ]; then (sleep "$HEALTHY_AFTER"; echo ok > /tmp/healthy) & else echo ok > /tmp/healthy; fi
httpd -f -p 8080 -h /www & wait $!
START
  chmod 755 "$tmp/www/cgi-bin/"* "$tmp/bin/health-web"
  tar -C "$tmp" -c . | $DOCKER import --change 'ENV PATH=/bin' --change 'EXPOSE 8080' --change 'CMD ["/bin/health-web"]' - orch.local/health-web:latest >/dev/null
  rm -rf "$tmp"; tmp=""; echo "built orch.local/health-web:latest"
fi
if ! image_exists orch.local/pause:3.10 || [ "${FORCE:-}" = 1 ]; then
  tmp="$(mktemp -d)"; mkdir -p "$tmp/bin" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/etc"
  cp "$BUSYBOX" "$tmp/bin/busybox"; ln -s busybox "$tmp/bin/sh"; ln -s busybox "$tmp/bin/sleep"
  # `sleep & wait` so the trap runs at once (a foreground sleep would delay it).
  tar -C "$tmp" -c . | $DOCKER import --change 'ENV PATH=/bin' \
    --change 'CMD ["/bin/sh","-c","trap \"exit 0\" TERM INT; while :; do sleep 86400 & wait $!; done"]' - orch.local/pause:3.10 >/dev/null
  rm -rf "$tmp"; tmp=""; echo "built orch.local/pause:3.10"
fi
if ! image_exists orch.local/kubectl:latest || [ "${FORCE:-}" = 1 ]; then
  KUBECTL="$(readlink -f "$(command -v kubectl || true)" 2>/dev/null || true)"
  if [ -z "$KUBECTL" ] || [ ! -x "$KUBECTL" ]; then echo "kubectl not found: it is needed for orch.local/kubectl" >&2; exit 1; fi
  if command -v file >/dev/null 2>&1; then
    case "$(file -L "$KUBECTL")" in
      *"dynamically linked"*) echo "$KUBECTL is dynamically linked: orch.local/kubectl needs a static kubectl" >&2; exit 1 ;;
    esac
  fi
  tmp="$(mktemp -d)"; build_rootfs "$tmp"
  cp "$KUBECTL" "$tmp/bin/kubectl"
  tar -C "$tmp" -c . | $DOCKER import --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' - orch.local/kubectl:latest >/dev/null
  rm -rf "$tmp"; tmp=""; echo "built orch.local/kubectl:latest"
fi
echo "images: $($DOCKER image ls --format "{{.Repository}}:{{.Tag}}" | grep "^orch.local/" | sort | tr "\n" " ")"
