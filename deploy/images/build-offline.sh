#!/usr/bin/env bash
# Build the compose demo's images WITHOUT any image registry, from what the host has:
#   orch.local/node-base:latest  the host's node binary + the shared libraries ldd lists,
#                                busybox-static (sh and friends), CA certificates
#   orch.local/etcd:latest       the host's etcd binary (Debian etcd-server) + its libraries
#   orch.local/orch:latest       node-base + /app: dist/, deploy/compose/, package.json and
#                                production node_modules (the host's, pruned of dev deps),
#                                and the pod network's tools from the host: iproute2 (ip,
#                                bridge), iptables in the host's own variant (nf_tables on
#                                Debian 12, as Docker uses) with its extensions, sysctl
# Each is a root filesystem made in a temp dir and loaded with `docker import`.
#
# Why import rather than `docker build` FROM the local bases: deploy/Dockerfile's build
# stage runs `npm ci`, which needs the npm registry, and BuildKit may try to resolve
# FROM images remotely; import needs nothing but the engine. The result has the same
# layout as the Dockerfile's (/app/dist/cli/main.js, /app/deploy/compose), so
# docker-compose.yml runs either.
#
# Requires: a built dist/ (npm run build), node_modules (npm ci), busybox-static, etcd,
# iproute2, iptables, procps (Debian: apt-get install -y iproute2 iptables procps).
# NODE_BASE_ONLY=1 builds node-base alone (no dist/, etcd or network tools needed).
# Idempotent: node-base and etcd are kept when present (FORCE=1 rebuilds them); the orch
# image is rebuilt when dist/, deploy/compose, the package files or node changed.
# Prints `export ORCH_IMAGE=... ETCD_IMAGE=...` lines for docker compose at the end.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DOCKER="docker ${DOCKER_HOST:+-H $DOCKER_HOST}"
NODE_BASE_IMAGE="${NODE_BASE_IMAGE:-orch.local/node-base:latest}"
ETCD_IMAGE="${ETCD_IMAGE:-orch.local/etcd:latest}"
ORCH_IMAGE="${ORCH_IMAGE:-orch.local/orch:latest}"
NODE_BIN="$(readlink -f "${NODE_BIN:-$(command -v node)}")"
ETCD_BIN="$(readlink -f "${ETCD_BIN:-$(command -v etcd || echo /usr/bin/etcd)}")"
BUSYBOX="$(command -v busybox || echo /bin/busybox)"
# The agent's pod network tools (agent/network/host-commands.ts runs them). iptables is
# taken in the host's variant: its rules must land in the tables the host's Docker uses.
tool() { PATH="$PATH:/usr/sbin:/sbin" command -v "$1" || true; }
IP_BIN="$(tool ip)" BRIDGE_BIN="$(tool bridge)" SYSCTL_BIN="$(tool sysctl)"
# The service proxy's conntrack (clears UDP entries of removed endpoints): optional, the
# proxy says so in its log when it is missing.
CONNTRACK_BIN="$(tool conntrack)"
# nft, for the proxy's --proxy-mode nftables: optional as well (Debian: nftables).
NFT_BIN="$(tool nft)"
IPTABLES_BIN="$(readlink -f "$(tool iptables)" 2>/dev/null || true)"

die() { echo "build-offline: $*" >&2; exit 1; }
[ -x "$NODE_BIN" ] || die "node not found (NODE_BIN=...)"
[ -x "$BUSYBOX" ] || die "busybox not found: apt-get install -y busybox-static"
case "$(file -L "$BUSYBOX" 2>/dev/null || true)" in
  *"dynamically linked"*) die "$BUSYBOX is dynamically linked: apt-get install -y busybox-static" ;;
esac
if [ "${NODE_BASE_ONLY:-}" != 1 ]; then
  [ -x "$ETCD_BIN" ] || die "etcd not found: apt-get install -y etcd-server (or ETCD_BIN=...)"
  [ -f "$REPO/dist/cli/main.js" ] || die "$REPO/dist is missing: run npm run build first"
  [ -d "$REPO/node_modules" ] || die "$REPO/node_modules is missing: run npm ci first"
  for t in "$IP_BIN" "$BRIDGE_BIN" "$SYSCTL_BIN" "$IPTABLES_BIN"; do
    [ -n "$t" ] && [ -x "$t" ] || die "the pod network tools are missing: apt-get install -y iproute2 iptables procps"
  done
  case "$(basename "$IPTABLES_BIN")" in
    xtables-nft-multi|xtables-legacy-multi) ;;
    *) die "$IPTABLES_BIN is not xtables-nft-multi or xtables-legacy-multi (iptables >= 1.8 expected)" ;;
  esac
fi
$DOCKER version >/dev/null 2>&1 || die "no Docker engine answers"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

image_exists() { $DOCKER image inspect "$1" >/dev/null 2>&1; }

# Every shared library a binary or library loads, at the same paths (the dynamic loader
# included), so it runs unchanged inside the image.
copy_libs() {
  local file="$1" root="$2"
  ldd "$file" | grep -oE '/[^ ]+' | while read -r lib; do
    [ -e "$lib" ] || continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}
copy_with_libs() {
  local bin="$1" root="$2" dest="$3"
  install -D -m 0755 "$bin" "$root$dest"
  copy_libs "$bin" "$root"
}

# ip, bridge, sysctl and iptables (+ ip6tables, -restore, -save) in /usr/sbin, which the
# image's PATH puts before busybox's applets of the same names (busybox `ip` has no -json
# or -batch). iptables loads its match/target extensions (comment, MASQUERADE, ...) with
# dlopen from its XTABLES_LIBDIR, which ldd cannot see: that directory is copied whole.
net_tools() {
  local root="$1" multi
  copy_with_libs "$IP_BIN" "$root" /usr/sbin/ip
  copy_with_libs "$BRIDGE_BIN" "$root" /usr/sbin/bridge
  copy_with_libs "$SYSCTL_BIN" "$root" /usr/sbin/sysctl
  [ -z "$CONNTRACK_BIN" ] || copy_with_libs "$CONNTRACK_BIN" "$root" /usr/sbin/conntrack
  [ -z "$NFT_BIN" ] || copy_with_libs "$NFT_BIN" "$root" /usr/sbin/nft
  multi="$(basename "$IPTABLES_BIN")"
  copy_with_libs "$IPTABLES_BIN" "$root" "/usr/sbin/$multi"
  for name in iptables iptables-restore iptables-save ip6tables ip6tables-restore ip6tables-save; do
    ln -sf "$multi" "$root/usr/sbin/$name"
  done
  # The directory compiled into libxtables (XTABLES_LIBDIR), e.g. /usr/lib/x86_64-linux-gnu/xtables.
  local libxt xtlib
  libxt="$(ldd "$IPTABLES_BIN" | grep -oE '/[^ ]+/libxtables\.so[^ ]*' | head -1)"
  xtlib="$(grep -aoE '/[A-Za-z0-9_/.-]+/xtables' "$libxt" | head -1)"
  [ -n "$xtlib" ] && [ -d "$xtlib" ] || die "iptables extensions not found (XTABLES_LIBDIR of $libxt: ${xtlib:-none})"
  mkdir -p "$root$xtlib"
  cp -a "$xtlib/." "$root$xtlib/"
  for so in "$xtlib"/*.so; do copy_libs "$so" "$root"; done
  # Protocol and table names `ip` prints (route protocol 184 stays a number either way).
  [ ! -d /etc/iproute2 ] || cp -a /etc/iproute2 "$root/etc/iproute2"
}

base_fs() {
  local root="$1"
  mkdir -p "$root"/{bin,tmp,etc,proc,sys,dev,run,root}
  chmod 1777 "$root/tmp"
  cp "$BUSYBOX" "$root/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  # `#!/usr/bin/env node` scripts (npm, orch's own bin) need env at its usual place.
  mkdir -p "$root/usr/bin" && ln -sf /bin/env "$root/usr/bin/env"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
  printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
}

node_fs() {
  local root="$1"
  base_fs "$root"
  copy_with_libs "$NODE_BIN" "$root" /usr/local/bin/node
  # TLS to anything outside the cluster (the cluster itself uses its own CA).
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  fi
}

if ! image_exists "$NODE_BASE_IMAGE" || [ "${FORCE:-}" = 1 ]; then
  node_fs "$tmp/node-base"
  tar -C "$tmp/node-base" -c . | $DOCKER import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' --change 'CMD ["node"]' - "$NODE_BASE_IMAGE" >/dev/null
  echo "built $NODE_BASE_IMAGE ($("$NODE_BIN" --version))"
fi
# NODE_BASE_ONLY=1 (scripts/build-zl-app-image.sh): node-base is all that is wanted, no dist/ needed.
[ "${NODE_BASE_ONLY:-}" != 1 ] || exit 0

if ! image_exists "$ETCD_IMAGE" || [ "${FORCE:-}" = 1 ]; then
  root="$tmp/etcd"
  base_fs "$root"
  copy_with_libs "$ETCD_BIN" "$root" /usr/local/bin/etcd
  mkdir -p "$root/var/lib/etcd"
  tar -C "$root" -c . | $DOCKER import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' --change 'EXPOSE 2379 2380' --change 'CMD ["etcd"]' - "$ETCD_IMAGE" >/dev/null
  echo "built $ETCD_IMAGE ($("$ETCD_BIN" --version | head -1))"
fi

# orch: rebuilt only when its inputs changed (a label holds their hash), so repeated runs
# (CI, tests) do not pile up 100+ MB of dangling images.
# Its inputs: orch's files, node, this script and the network tools copied in.
hash="$(cd "$REPO" && tar --sort=name --mtime=@0 --owner=0 --group=0 -c dist deploy/compose package.json package-lock.json \
  | cat - "$NODE_BIN" "${BASH_SOURCE[0]}" "$IP_BIN" "$BRIDGE_BIN" "$SYSCTL_BIN" "$IPTABLES_BIN" | sha256sum | cut -c1-32)"
current="$($DOCKER image inspect -f '{{index .Config.Labels "orch.build-hash"}}' "$ORCH_IMAGE" 2>/dev/null || true)"
if [ "$current" = "$hash" ] && [ "${FORCE:-}" != 1 ]; then
  echo "$ORCH_IMAGE is up to date"
else
  old_id="$($DOCKER image inspect -f '{{.Id}}' "$ORCH_IMAGE" 2>/dev/null || true)"
  # Production dependencies only: `npm prune --omit=dev` on a copy of the host's
  # node_modules needs no registry and follows package-lock.json, so it is deterministic.
  root="$tmp/orch"
  node_fs "$root"
  net_tools "$root"
  mkdir -p "$root/app/deploy"
  cp "$REPO/package.json" "$REPO/package-lock.json" "$root/app/"
  # Through the directory (`/.`): a git worktree's node_modules may be a symlink to a shared
  # one, which `npm prune` below must never touch.
  mkdir -p "$root/app/node_modules"
  cp -a "$REPO/node_modules/." "$root/app/node_modules/"
  (cd "$root/app" && npm prune --omit=dev --offline --no-audit --no-fund --loglevel=error >/dev/null)
  cp -a "$REPO/dist" "$root/app/dist"
  find "$root/app/dist" \( -name '*.test.js' -o -name '*.test.js.map' \) -delete
  cp -a "$REPO/deploy/compose" "$root/app/deploy/compose"
  tar -C "$root" -c . | $DOCKER import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'ENV NODE_ENV=production' --change 'WORKDIR /app' \
    --change "LABEL orch.build-hash=$hash" \
    --change 'ENTRYPOINT ["node", "/app/dist/cli/main.js"]' --change 'CMD ["--help"]' - "$ORCH_IMAGE" >/dev/null
  echo "built $ORCH_IMAGE ($(du -sh "$root/app/node_modules" | cut -f1) production node_modules)"
  # The previous build is now untagged: remove it unless a container still uses it.
  if [ -n "$old_id" ] && [ "$old_id" != "$($DOCKER image inspect -f '{{.Id}}' "$ORCH_IMAGE")" ]; then
    $DOCKER rmi "$old_id" >/dev/null 2>&1 || true
  fi
fi

echo "export ORCH_IMAGE=$ORCH_IMAGE ETCD_IMAGE=$ETCD_IMAGE"
