#!/usr/bin/env bash
# Install (or update) an orch agent on this Linux host as the systemd service orch-agent.
#
#   deploy/install-agent.sh --server https://LB:6443 --ca-file ca.crt --token-file node.token \
#       [--node-name NAME] [--node-ip IP] [--log-cert agent.crt --log-key agent.key] \
#       [--log-token-file agent-log.token] [--from DIR|TARBALL] [--root DIR] [--no-start] [--dry-run]
#
#   --server          the apiserver (or its load balancer) URL
#   --ca-file         the cluster CA (verifies the apiserver; from `orch init`: ca.crt)
#   --token / --token-file   this node's token: `orch init node-token NAME` on the control plane
#   --node-name       default: this host's name (must match the token's node)
#   --node-ip         the IP the apiserver dials for logs (default: the agent's first IPv4)
#   --log-cert/--log-key   this node's log-endpoint certificate, issued by the cluster CA for
#                     its node name (`orch init node-cert NAME`, deploy/issue-agent-cert.mjs);
#                     without it `orch logs` for this node's pods fails verification. The
#                     agent accepts the apiserver's client certificate (checked against --ca-file)
#   --log-token-file  older apiservers only: the dedicated token of their --agent-token-file
#   --from            the orch build: a directory or .tar.gz holding dist/, package.json and
#                     node_modules/ (default: the checkout this script is in)
#   --root DIR        install under DIR instead of / and do not touch systemd (tests, images)
#   --no-start        install and enable, but do not (re)start the service
#   --dry-run         print what would be done, change nothing
#
# Idempotent: a second run with the same arguments rewrites the same files and restarts
# the service; a run without --token/--token-file keeps the token already installed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
server="" ca="" token="" token_file="" node_name="" node_ip="" log_cert="" log_key="" log_token_file=""
from="$HERE/.." root="" start=1 dry=0

die() { echo "install-agent: $*" >&2; exit 1; }
need() { [ -n "${2:-}" ] || die "$1 needs a value"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --server) need "$1" "${2:-}"; server="$2"; shift 2 ;;
    --ca-file) need "$1" "${2:-}"; ca="$2"; shift 2 ;;
    --token) need "$1" "${2:-}"; token="$2"; shift 2 ;;
    --token-file) need "$1" "${2:-}"; token_file="$2"; shift 2 ;;
    --node-name) need "$1" "${2:-}"; node_name="$2"; shift 2 ;;
    --node-ip) need "$1" "${2:-}"; node_ip="$2"; shift 2 ;;
    --log-cert) need "$1" "${2:-}"; log_cert="$2"; shift 2 ;;
    --log-key) need "$1" "${2:-}"; log_key="$2"; shift 2 ;;
    --log-token-file) need "$1" "${2:-}"; log_token_file="$2"; shift 2 ;;
    --from) need "$1" "${2:-}"; from="$2"; shift 2 ;;
    --root) need "$1" "${2:-}"; root="$2"; shift 2 ;;
    --no-start) start=0; shift ;;
    --dry-run) dry=1; shift ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

[ -n "$server" ] || die "--server is required"
case "$server" in https://*) ;; *) die "--server must be an https:// URL (agents verify the apiserver)" ;; esac
[ -n "$ca" ] || die "--ca-file is required"
[ -f "$ca" ] || die "$ca not found"
[ -z "$token_file" ] || [ -f "$token_file" ] || die "$token_file not found"
[ -z "$token" ] || [ -z "$token_file" ] || die "give --token or --token-file, not both"
[ -z "$log_cert$log_key" ] || { [ -f "$log_cert" ] && [ -f "$log_key" ]; } || die "--log-cert and --log-key go together and must exist"
[ -z "$log_token_file" ] || [ -f "$log_token_file" ] || die "$log_token_file not found"
node_name="${node_name:-$(hostname | tr 'A-Z' 'a-z')}"
[[ "$node_name" =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] || die "invalid node name $node_name"

etc="$root/etc/orch"
opt="$root/opt/orch"
bin="$root/usr/local/bin/orch"
unit="$root/etc/systemd/system/orch-agent.service"
state="$root/var/lib/orch/agent"
if [ -z "$token$token_file" ] && [ ! -s "$etc/agent.token" ]; then
  die "--token or --token-file is required (no token installed yet): orch init node-token $node_name"
fi
node="$(command -v node || true)"
[ -n "$node" ] || [ "$dry" = 1 ] || die "node (>= 20) is not installed"
node="${node:-/usr/bin/node}"

# Every change goes through these, so --dry-run shows exactly the same steps.
run() { if [ "$dry" = 1 ]; then echo "+ $*"; else "$@"; fi; }
write() { # write FILE MODE  (content on stdin)
  if [ "$dry" = 1 ]; then echo "+ write $1 (mode $2)"; cat >/dev/null; return; fi
  local tmp="$1.tmp.$$"
  (umask 077; cat >"$tmp"); chmod "$2" "$tmp"; mv -f "$tmp" "$1"
}

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
write "$etc/agent.env" 0644 <<ENV
# Written by deploy/install-agent.sh; read by orch-agent.service.
ORCH_SERVER=$server
ORCH_NODE_NAME=$node_name
ORCH_AGENT_ARGS="${args# }"
ENV
write "$unit" 0644 <"$HERE/systemd/orch-agent.service"

# 3. the service
if [ -n "$root" ]; then
  echo "installed under $root (systemd untouched)"
  exit 0
fi
run systemctl daemon-reload
run systemctl enable orch-agent.service
if [ "$start" = 1 ]; then run systemctl restart orch-agent.service; fi
echo "orch-agent for node $node_name -> $server$([ "$start" = 1 ] && echo ' (started: journalctl -u orch-agent -f)')"
