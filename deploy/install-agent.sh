#!/usr/bin/env bash
# Install (or update) an orch node on this Linux host: the systemd services orch-agent (the
# pods) and orch-proxy (Services and cluster DNS), both with this node's credentials.
#
#   deploy/install-agent.sh --server https://LB:6443 --ca-file ca.crt --bootstrap-token TOKEN \
#       [--node-name NAME] [--node-ip IP] [--log-cert agent.crt --log-key agent.key (optional)] \
#       [--network-backend vxlan|host-gw|none] [--vxlan-port PORT] [--pod-infra-container-image IMAGE] \
#       [--proxy-mode iptables|nftables] \
#       [--log-token-file agent-log.token] [--from DIR|TARBALL] [--root DIR] [--no-start] [--dry-run]
#   deploy/install-agent.sh --uninstall [--node-name NAME] [--root DIR] [--dry-run]
#
#   --server          the apiserver (or its load balancer) URL
#   --ca-file         the cluster CA (verifies the apiserver; from `orch init`: ca.crt)
#   --bootstrap-token / --bootstrap-token-file   a bootstrap token (`orch token create` on the
#                     control plane): the agent joins with it, gets its own client
#                     certificate (kept in /var/lib/orch/pki, rotated; the proxy uses it
#                     too) and needs the token no more
#   --token / --token-file   older setups: a long-lived node token (`orch init node-token NAME`)
#   --node-name       default: this host's name (with --token: must match the token's node)
#   --node-ip         the IP the apiserver dials for logs (default: the agent's first IPv4)
#   --log-cert/--log-key   optional: this node's log-endpoint certificate, issued by the
#                     cluster CA for its node name (`orch init node-cert NAME`,
#                     deploy/issue-agent-cert.mjs). A node that joins with a bootstrap token
#                     needs none: its agent requests its serving certificate by CSR (kept
#                     in /var/lib/orch/pki, renewed). With --token and no --log-cert,
#                     `orch logs`/exec for this node's pods fail verification. The agent
#                     accepts the apiserver's client certificate (checked against --ca-file)
#   --network-backend the pod network between hosts (default: $ORCH_NETWORK_BACKEND, else
#                     vxlan): vxlan (UDP --vxlan-port open between the hosts), host-gw
#                     (hosts on one L2 segment), none (no pod network: pods on Docker's
#                     bridge, reachable from their own host only)
#   --vxlan-port      the VXLAN UDP port, the same on every host (default 8472)
#   --proxy-mode      the service proxy's kernel backend (default: $ORCH_PROXY_MODE, else
#                     iptables): iptables, or nftables for thousands of Services (needs nft,
#                     installed when missing: Debian nftables)
#   --pod-infra-container-image  the pod sandbox image (default registry.k8s.io/pause:3.10;
#                     without a registry, a local one, e.g. orch.local/pause:3.10)
#   --log-token-file  older apiservers only: the dedicated token of their --agent-token-file
#   --from            the orch build: a directory or .tar.gz holding dist/, package.json and
#                     node_modules/ (default: the checkout this script is in)
#   --root DIR        install under DIR instead of / and do not touch systemd (tests, images)
#   --no-start        install and enable, but do not (re)start the service
#   --dry-run         print what would be done, change nothing
#   --uninstall       stop and remove both services, remove this node's pod containers, run
#                     `orch proxy --cleanup` (the Services' iptables chains; needs the API
#                     server) and `orch agent --cleanup-network` (the pod network's routes,
#                     orch.1, every orch firewall chain, the node's Docker network), then the
#                     node's files;
#                     /opt/orch and the CA stay while another orch unit uses them
#
# Both run as root: the pod network programs the kernel with ip, bridge, iptables-restore
# and sysctl, the proxy with iptables-restore and conntrack (Debian: iproute2 iptables
# procps conntrack, installed when missing).
# Idempotent: a second run with the same arguments rewrites the same files and restarts
# the service; a run without a token keeps the credential already installed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
server="" ca="" token="" token_file="" boot_token="" boot_token_file="" node_name="" node_ip="" log_cert="" log_key="" log_token_file=""
from="$HERE/.." root="" start=1 dry=0 uninstall=0
backend="${ORCH_NETWORK_BACKEND:-}" vxlan_port="" pause_image="" proxy_mode="${ORCH_PROXY_MODE:-}"

die() { echo "install-agent: $*" >&2; exit 1; }
need() { [ -n "${2:-}" ] || die "$1 needs a value"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --server) need "$1" "${2:-}"; server="$2"; shift 2 ;;
    --ca-file) need "$1" "${2:-}"; ca="$2"; shift 2 ;;
    --token) need "$1" "${2:-}"; token="$2"; shift 2 ;;
    --token-file) need "$1" "${2:-}"; token_file="$2"; shift 2 ;;
    --bootstrap-token) need "$1" "${2:-}"; boot_token="$2"; shift 2 ;;
    --bootstrap-token-file) need "$1" "${2:-}"; boot_token_file="$2"; shift 2 ;;
    --node-name) need "$1" "${2:-}"; node_name="$2"; shift 2 ;;
    --node-ip) need "$1" "${2:-}"; node_ip="$2"; shift 2 ;;
    --log-cert) need "$1" "${2:-}"; log_cert="$2"; shift 2 ;;
    --log-key) need "$1" "${2:-}"; log_key="$2"; shift 2 ;;
    --log-token-file) need "$1" "${2:-}"; log_token_file="$2"; shift 2 ;;
    --network-backend) need "$1" "${2:-}"; backend="$2"; shift 2 ;;
    --vxlan-port) need "$1" "${2:-}"; vxlan_port="$2"; shift 2 ;;
    --proxy-mode) need "$1" "${2:-}"; proxy_mode="$2"; shift 2 ;;
    --pod-infra-container-image) need "$1" "${2:-}"; pause_image="$2"; shift 2 ;;
    --from) need "$1" "${2:-}"; from="$2"; shift 2 ;;
    --root) need "$1" "${2:-}"; root="$2"; shift 2 ;;
    --no-start) start=0; shift ;;
    --dry-run) dry=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

etc="$root/etc/orch"
opt="$root/opt/orch"
bin="$root/usr/local/bin/orch"
unit="$root/etc/systemd/system/orch-agent.service"
proxy_unit="$root/etc/systemd/system/orch-proxy.service"
state="$root/var/lib/orch/agent"
certs="$root/var/lib/orch/pki"

# Every change goes through these, so --dry-run shows exactly the same steps.
run() { if [ "$dry" = 1 ]; then echo "+ $*"; else "$@"; fi; }
write() { # write FILE MODE  (content on stdin)
  if [ "$dry" = 1 ]; then echo "+ write $1 (mode $2)"; cat >/dev/null; return; fi
  local tmp="$1.tmp.$$"
  (umask 077; cat >"$tmp"); chmod "$2" "$tmp"; mv -f "$tmp" "$1"
}
installed() { sed -n "s/^$1=//p" "$etc/agent.env" 2>/dev/null | tr -d '"' | head -1; }

if [ "$uninstall" = 1 ]; then
  [ -f "$unit" ] || [ -f "$etc/agent.env" ] || [ "$dry" = 1 ] || die "no orch agent is installed under ${root:-/}"
  node_name="${node_name:-$(installed ORCH_NODE_NAME)}"
  [ -n "$node_name" ] || die "--node-name is required (no $etc/agent.env to read it from)"
  [[ "$node_name" =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] || die "invalid node name $node_name"
  if [ -z "$root" ]; then
    # Stopped first: a running agent would program the network again at its next recheck.
    run systemctl disable --now orch-proxy.service orch-agent.service
    # The node's pods (and their sandboxes): nobody is left to stop them, and they keep
    # the node's pod network in use. The control plane replaces them elsewhere.
    if command -v docker >/dev/null; then
      run sh -c "docker ps -aq --filter label=orch.io/node=$node_name | xargs -r docker rm -f"
    fi
    # The proxy's chains by name (needs the API server for the cluster identity); the
    # network cleanup below removes every orch chain and jump anyway, so a failure here
    # (API server unreachable) is only reported.
    if { [ -x "$bin" ] && [ -n "$(installed ORCH_SERVER)" ]; } || [ "$dry" = 1 ]; then
      creds="$(installed ORCH_PROXY_CREDENTIALS || true)"
      # shellcheck disable=SC2086 # the credential flags are split on purpose
      run "$bin" proxy --server="$(installed ORCH_SERVER)" --ca-file="$etc/pki/ca.crt" ${creds:---token-file=$etc/agent.token} --node-name="$node_name" --cleanup ||
        echo "orch proxy --cleanup failed: the network cleanup below removes its chains too" >&2
    fi
    # Routes (proto 184), orch.1, orch's iptables chains and jumps, orch-pods-$node_name.
    if [ -x "$bin" ] || [ "$dry" = 1 ]; then run "$bin" agent --cleanup-network --node-name "$node_name"
    else echo "no $bin: the pod network was not cleaned up (orch agent --cleanup-network)" >&2
    fi
  else
    echo "under --root: systemd, the node's containers and this host's network are left alone"
  fi
  run rm -f "$unit" "$proxy_unit" "$etc/agent.env" "$etc/agent.token" "$etc/bootstrap.token" "$etc/agent-log.token" "$etc/pki/agent.crt" "$etc/pki/agent.key"
  run rm -rf "$state" "$certs"
  # The control-plane units of the same host (docs/multi-host.md) run the same /opt/orch.
  others="$(cd "$root/etc/systemd/system" 2>/dev/null && ls orch-*.service 2>/dev/null | grep -vx -e orch-agent.service -e orch-proxy.service | tr '\n' ' ' || true)"
  if [ -z "$others" ]; then
    run rm -rf "$opt" "$bin" "$etc/pki/ca.crt"
    [ "$dry" = 1 ] || rmdir "$etc/pki" "$etc" 2>/dev/null || true
  else
    echo "kept $opt, $bin and $etc/pki/ca.crt: used by ${others% }"
  fi
  [ -n "$root" ] || run systemctl daemon-reload
  echo "orch-agent removed from this host; on the control plane: orch delete node $node_name"
  exit 0
fi

[ -n "$server" ] || die "--server is required"
case "$server" in https://*) ;; *) die "--server must be an https:// URL (agents verify the apiserver)" ;; esac
[ -n "$ca" ] || die "--ca-file is required"
[ -f "$ca" ] || die "$ca not found"
[ -z "$token_file" ] || [ -f "$token_file" ] || die "$token_file not found"
[ -z "$token" ] || [ -z "$token_file" ] || die "give --token or --token-file, not both"
[ -z "$boot_token_file" ] || [ -f "$boot_token_file" ] || die "$boot_token_file not found"
[ -z "$boot_token" ] || [ -z "$boot_token_file" ] || die "give --bootstrap-token or --bootstrap-token-file, not both"
[ -z "$boot_token$boot_token_file" ] || [ -z "$token$token_file" ] || die "give a bootstrap token (join) or a node token, not both"
[ -z "$boot_token" ] || [[ "$boot_token" =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] || die "--bootstrap-token must look like abcdef.0123456789abcdef (orch token create)"
[ -z "$log_cert$log_key" ] || { [ -f "$log_cert" ] && [ -f "$log_key" ]; } || die "--log-cert and --log-key go together and must exist"
[ -z "$log_token_file" ] || [ -f "$log_token_file" ] || die "$log_token_file not found"
node_name="${node_name:-$(hostname | tr 'A-Z' 'a-z')}"
[[ "$node_name" =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] || die "invalid node name $node_name"
backend="${backend:-vxlan}"
case "$backend" in vxlan|host-gw|none) ;; *) die "--network-backend must be vxlan, host-gw or none (not $backend)" ;; esac
proxy_mode="${proxy_mode:-iptables}"
case "$proxy_mode" in iptables|nftables) ;; *) die "--proxy-mode must be iptables or nftables (not $proxy_mode)" ;; esac
[ -z "$vxlan_port" ] || { [[ "$vxlan_port" =~ ^[0-9]+$ ]] && [ "$vxlan_port" -ge 1 ] && [ "$vxlan_port" -le 65535 ]; } || die "--vxlan-port must be a port number (1-65535), not $vxlan_port"
[[ "$pause_image" =~ ^[^[:space:]\"]*$ ]] || die "--pod-infra-container-image must be one image reference, not $pause_image"

# The credential flags of both units: a certificate got by joining (default), or a node token.
installed_creds="$(installed ORCH_AGENT_CREDENTIALS || true)"
if [ -n "$boot_token$boot_token_file" ]; then mode=join
elif [ -n "$token$token_file" ]; then mode=token
elif [ -n "$installed_creds" ] && [ "$installed_creds" != "--token-file=/etc/orch/agent.token" ]; then mode=join
elif [ -s "$etc/agent.token" ]; then mode=token
elif [ -s "$certs/orch-node-client-current.pem" ]; then mode=join
else die "--bootstrap-token is required (nothing installed yet): run \`orch token create\` on the control plane"
fi
node="$(command -v node || true)"
[ -n "$node" ] || [ "$dry" = 1 ] || die "node (>= 20) is not installed"
node="${node:-/usr/bin/node}"

# 0. the pod network's tools, looked up on the PATH the service gets (systemd's default;
# ORCH_SERVICE_PATH when a drop-in changes it)
if [ "$backend" != none ]; then
  missing=""
  for t in ip bridge iptables iptables-restore sysctl conntrack; do
    PATH="${ORCH_SERVICE_PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}" command -v "$t" >/dev/null || missing="$missing $t"
  done
  if [ -n "$missing" ]; then
    if [ -z "$root" ] && command -v apt-get >/dev/null; then
      echo "the pod network and the service proxy need$missing: installing iproute2 iptables procps conntrack"
      run apt-get update -qq
      run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iproute2 iptables procps conntrack
    else
      die "the pod network and the service proxy need$missing on this host: install iproute2, iptables, procps and conntrack (Debian/Ubuntu: apt-get install -y iproute2 iptables procps conntrack), or use --network-backend none"
    fi
  fi
fi
if [ "$proxy_mode" = nftables ] && ! PATH="${ORCH_SERVICE_PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}" command -v nft >/dev/null; then
  if [ -z "$root" ] && command -v apt-get >/dev/null; then
    echo "--proxy-mode nftables needs nft: installing nftables"
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nftables
  else
    die "--proxy-mode nftables needs nft on this host: install nftables (Debian/Ubuntu: apt-get install -y nftables), or use --proxy-mode iptables"
  fi
fi

# 1. the orch build
src="$from"
if [ -f "$from" ]; then
  src="$(mktemp -d)"; trap 'rm -rf "$src"' EXIT
  tar -xzf "$from" -C "$src"
fi
[ -f "$src/dist/cli/main.js" ] || die "$from has no dist/cli/main.js (npm run build, or a tarball of dist/ package.json node_modules/)"
[ -d "$src/node_modules" ] || die "$from has no node_modules/ (npm ci --omit=dev there first)"
run mkdir -p "$root/opt" "$root/usr/local/bin" "$etc/pki" "$root/etc/systemd/system" "$state"
run rm -rf "$opt.new"
run mkdir -p "$opt.new"
run cp -a "$src/dist" "$src/package.json" "$src/node_modules" "$opt.new/"
[ ! -f "$src/package-lock.json" ] || run cp -a "$src/package-lock.json" "$opt.new/"
run rm -rf "$opt.old"
if [ -e "$opt" ]; then run mv "$opt" "$opt.old"; fi
run mv "$opt.new" "$opt"
run rm -rf "$opt.old"
printf '#!/bin/sh\nexec %s /opt/orch/dist/cli/main.js "$@"\n' "$node" | write "$bin" 0755

# 2. credentials and configuration
write "$etc/pki/ca.crt" 0644 <"$ca"
if [ -n "$token_file" ]; then write "$etc/agent.token" 0600 <"$token_file"
elif [ -n "$token" ]; then printf '%s\n' "$token" | write "$etc/agent.token" 0600
fi
if [ -n "$boot_token_file" ]; then write "$etc/bootstrap.token" 0600 <"$boot_token_file"
elif [ -n "$boot_token" ]; then printf '%s\n' "$boot_token" | write "$etc/bootstrap.token" 0600
fi
if [ "$mode" = join ]; then
  run mkdir -p "$certs"
  run chmod 0700 "$certs"
  agent_creds="--cert-dir=/var/lib/orch/pki --bootstrap-token-file=/etc/orch/bootstrap.token"
  proxy_creds="--cert-dir=/var/lib/orch/pki"
  # A node that joined before needs no token (the agent reuses its certificate): an empty file.
  [ -f "$etc/bootstrap.token" ] || [ "$dry" = 1 ] || : | write "$etc/bootstrap.token" 0600
else
  agent_creds="--token-file=/etc/orch/agent.token"
  proxy_creds="--token-file=/etc/orch/agent.token"
fi
args=""
[ -z "$node_ip" ] || args="$args --node-ip=$node_ip"
if [ -n "$log_cert" ]; then
  write "$etc/pki/agent.crt" 0644 <"$log_cert"
  write "$etc/pki/agent.key" 0600 <"$log_key"
  args="$args --log-server-cert=/etc/orch/pki/agent.crt --log-server-key=/etc/orch/pki/agent.key"
fi
if [ -n "$log_token_file" ]; then
  # The agent reads a token file (token,user,uid,"groups", as --token-auth-file); the
  # apiserver's --agent-token-file holds the bare token: turn it into such a line.
  if grep -v '^[[:space:]]*#' "$log_token_file" | grep -q ','; then write "$etc/agent-log.token" 0600 <"$log_token_file"
  else printf '%s,orch:apiserver,orch:apiserver\n' "$(grep -v '^[[:space:]]*#' "$log_token_file" | tr -d ' \t\r\n')" | write "$etc/agent-log.token" 0600
  fi
  args="$args --log-server-token-file=/etc/orch/agent-log.token"
fi
[ -z "$vxlan_port" ] || args="$args --vxlan-port=$vxlan_port"
[ -z "$pause_image" ] || args="$args --pod-infra-container-image=$pause_image"
write "$etc/agent.env" 0644 <<ENV
# Written by deploy/install-agent.sh; read by orch-agent.service.
ORCH_SERVER=$server
ORCH_NODE_NAME=$node_name
# The node's credential: a certificate got with the bootstrap token and rotated by the
# agent (--cert-dir), or a long-lived node token (--token-file).
ORCH_AGENT_CREDENTIALS="$agent_creds"
ORCH_PROXY_CREDENTIALS="$proxy_creds"
# vxlan (UDP 8472 open between the hosts), host-gw (one L2 segment) or none.
ORCH_NETWORK_BACKEND=$backend
ORCH_AGENT_ARGS="${args# }"
# The service proxy's kernel backend: iptables or nftables.
ORCH_PROXY_MODE=$proxy_mode
# Extra flags of orch-proxy.service (orch proxy --help).
ORCH_PROXY_ARGS=""
ENV
write "$unit" 0644 <"$HERE/systemd/orch-agent.service"
write "$proxy_unit" 0644 <"$HERE/systemd/orch-proxy.service"

# 3. the service
if [ -n "$root" ]; then
  echo "installed under $root (systemd untouched)"
  exit 0
fi
run systemctl daemon-reload
run systemctl enable orch-agent.service orch-proxy.service
if [ "$start" = 1 ]; then run systemctl restart orch-agent.service orch-proxy.service; fi
echo "orch-agent and orch-proxy for node $node_name -> $server$([ "$start" = 1 ] && echo ' (started: journalctl -u orch-agent -u orch-proxy -f)')"
