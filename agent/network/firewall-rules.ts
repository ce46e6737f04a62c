// orch's firewall rules for pod traffic, as iptables-restore input (pure; firewall.ts
// applies them).
//
// Docker's own rules get in the way of routed pod traffic: FORWARD's policy is DROP,
// DOCKER-ISOLATION drops traffic between two Docker bridges (two nodes' bridges on one
// host), and Docker would masquerade a bridge's subnet towards everything. orch turns
// Docker's masquerade off for its pod bridges and keeps chains of its own:
//   filter ORCH-FORWARD     jumped from DOCKER-USER (which Docker evaluates before its
//                           isolation rules) or from FORWARD where there is no Docker chain
//     ORCH-FWD-<id>         one per cluster: accept what comes from or goes to its CIDR
//   nat ORCH-POSTROUTING    jumped from POSTROUTING
//     ORCH-NAT-<id>         one per cluster: pod → pod untouched (the receiver sees the
//                           sender's pod IP); pod → anywhere else MASQUERADE
// <id> is derived from the cluster CIDRs, so the agents of one cluster on a host write the
// same chain, and two clusters sharing a host (two `orch up` homes, a compose demo beside
// them) each rewrite only their own instead of undoing each other every recheck. A
// cluster's chain is rewritten whole with `iptables-restore --noflush` (declaring a chain
// flushes only that chain): nobody else's rule is ever flushed.

import crypto from 'node:crypto';

export const FORWARD_CHAIN = 'ORCH-FORWARD';
export const POSTROUTING_CHAIN = 'ORCH-POSTROUTING';
/** Every chain orch creates starts with this (cleanup finds them by it). */
export const CHAIN_PREFIX = 'ORCH-';

/** The chains of one cluster (one family's CIDRs). */
export function clusterChains(clusterCIDRs: string[]): { forward: string; nat: string } {
  const id = crypto.createHash('sha1').update([...clusterCIDRs].sort().join(',')).digest('hex').slice(0, 8);
  return { forward: `ORCH-FWD-${id}`, nat: `ORCH-NAT-${id}` };
}

/** The iptables-restore input that rewrites one cluster's chains (one family's CIDRs). */
export function firewallRules(clusterCIDRs: string[]): string {
  const { forward, nat } = clusterChains(clusterCIDRs);
  const lines = ['*filter', `:${forward} - [0:0]`];
  for (const c of clusterCIDRs) {
    lines.push(`-A ${forward} -s ${c} -m comment --comment "orch: pod traffic out" -j ACCEPT`);
    lines.push(`-A ${forward} -d ${c} -m comment --comment "orch: pod traffic in" -j ACCEPT`);
  }
  lines.push('COMMIT', '*nat', `:${nat} - [0:0]`);
  for (const c of clusterCIDRs) {
    lines.push(`-A ${nat} -s ${c} -d ${c} -m comment --comment "orch: pod to pod, no NAT" -j RETURN`);
  }
  for (const c of clusterCIDRs) {
    const multicast = c.includes(':') ? 'ff00::/8' : '224.0.0.0/4';
    lines.push(`-A ${nat} -s ${c} ! -d ${multicast} -m comment --comment "orch: pod to outside" -j MASQUERADE --random-fully`);
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

export interface JumpRule {
  table: 'filter' | 'nat';
  chain: string;
  /** Arguments after `-A/-I/-C <chain>`. */
  rule: string[];
}

/** The jumps from orch's entry chains into one cluster's chains. */
export function clusterJumps(clusterCIDRs: string[]): JumpRule[] {
  const { forward, nat } = clusterChains(clusterCIDRs);
  const rule = (target: string) => ['-m', 'comment', '--comment', `orch: cluster ${[...clusterCIDRs].sort().join(',')}`, '-j', target];
  return [
    { table: 'filter', chain: FORWARD_CHAIN, rule: rule(forward) },
    { table: 'nat', chain: POSTROUTING_CHAIN, rule: rule(nat) },
  ];
}

/** Where the entry chains are jumped from (inserted at the top when missing). */
export function jumpRules(hasDockerUser: boolean): JumpRule[] {
  const jump = (table: JumpRule['table'], chain: string, target: string): JumpRule => ({
    table,
    chain,
    rule: ['-m', 'comment', '--comment', 'orch: pod network', '-j', target],
  });
  return [jump('filter', hasDockerUser ? 'DOCKER-USER' : 'FORWARD', FORWARD_CHAIN), jump('nat', 'POSTROUTING', POSTROUTING_CHAIN)];
}
