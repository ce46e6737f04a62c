// orch's firewall rules for pod traffic, as iptables-restore input (pure; firewall.ts
// applies them).
//
// Docker's own rules get in the way of routed pod traffic: FORWARD's policy is DROP,
// DOCKER-ISOLATION drops traffic between two Docker bridges (two nodes' bridges on one
// host), and Docker would masquerade a bridge's subnet towards everything. orch turns
// Docker's masquerade off for its pod bridges and keeps two chains of its own:
//   filter ORCH-FORWARD     accept what comes from or goes to the cluster CIDR
//                           (jumped from DOCKER-USER, which Docker evaluates before its
//                           isolation rules, or from FORWARD where there is no Docker chain)
//   nat ORCH-POSTROUTING    pod → pod: untouched (the receiver sees the sender's pod IP);
//                           pod → anywhere else: MASQUERADE
// Both chains are rewritten whole with `iptables-restore --noflush` (declaring a chain
// flushes only that chain): nobody else's rule is ever flushed.

export const FORWARD_CHAIN = 'ORCH-FORWARD';
export const POSTROUTING_CHAIN = 'ORCH-POSTROUTING';

/** The iptables-restore input for one family's cluster CIDRs. */
export function firewallRules(clusterCIDRs: string[]): string {
  const lines = ['*filter', `:${FORWARD_CHAIN} - [0:0]`];
  for (const c of clusterCIDRs) {
    lines.push(`-A ${FORWARD_CHAIN} -s ${c} -m comment --comment "orch: pod traffic out" -j ACCEPT`);
    lines.push(`-A ${FORWARD_CHAIN} -d ${c} -m comment --comment "orch: pod traffic in" -j ACCEPT`);
  }
  lines.push('COMMIT', '*nat', `:${POSTROUTING_CHAIN} - [0:0]`);
  for (const c of clusterCIDRs) {
    lines.push(`-A ${POSTROUTING_CHAIN} -s ${c} -d ${c} -m comment --comment "orch: pod to pod, no NAT" -j RETURN`);
  }
  for (const c of clusterCIDRs) {
    const multicast = c.includes(':') ? 'ff00::/8' : '224.0.0.0/4';
    lines.push(`-A ${POSTROUTING_CHAIN} -s ${c} ! -d ${multicast} -m comment --comment "orch: pod to outside" -j MASQUERADE --random-fully`);
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

/** Where the chains are jumped from (inserted at the top when missing). */
export function jumpRules(hasDockerUser: boolean): JumpRule[] {
  const jump = (table: JumpRule['table'], chain: string, target: string): JumpRule => ({
    table,
    chain,
    rule: ['-m', 'comment', '--comment', 'orch: pod network', '-j', target],
  });
  return [jump('filter', hasDockerUser ? 'DOCKER-USER' : 'FORWARD', FORWARD_CHAIN), jump('nat', 'POSTROUTING', POSTROUTING_CHAIN)];
}
