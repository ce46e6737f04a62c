#!/usr/bin/env bash
# From a fresh Debian 12 machine to a running orch cluster with an example app:
#   installs Docker Engine, etcd, busybox-static and the tools of the pod network and the
#   service proxy (iproute2, iptables, procps, conntrack) from Debian's packages (if missing),
#   the npm dependencies and the build; starts dockerd if nothing answers; builds the
#   local example image; `orch up`; `orch apply -f docs/examples/web.yaml --wait`;
#   and lists the pods. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v etcd >/dev/null || need+=(etcd-server etcd-client)
command -v busybox >/dev/null || need+=(busybox-static)
# The pod network (agent/network) programs the kernel with these.
command -v ip >/dev/null || need+=(iproute2)
command -v iptables >/dev/null || need+=(iptables)
command -v sysctl >/dev/null || need+=(procps)
# The service proxy (orch proxy) clears UDP conntrack entries of removed endpoints.
PATH="$PATH:/usr/sbin:/sbin" command -v conntrack >/dev/null || need+=(conntrack)
if [ ${#need[@]} -gt 0 ]; then
  echo "==> installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
echo "==> npm dependencies and build"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run -s build
echo "==> Docker engine"
$SUDO bash scripts/start-dockerd.sh
echo "==> local example image"
$SUDO bash scripts/build-test-images.sh
# Put `orch` on the PATH (a symlink to this checkout); fall back to node if that fails.
if $SUDO npm link --silent --no-audit --no-fund >/dev/null 2>&1 && command -v orch >/dev/null; then ORCH=orch; else ORCH="node dist/cli/main.js"; fi
echo "==> orch up"
$ORCH up
echo "==> orch apply -f docs/examples/web.yaml --wait"
$ORCH apply -f docs/examples/web.yaml --wait
echo "==> orch get pods -o wide"
$ORCH get pods -o wide
