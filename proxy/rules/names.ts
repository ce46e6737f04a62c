// Chain names. Every chain of a proxy instance carries its instance id (cluster identity
// + node name), so two clusters on one host and two nodes of one cluster in one network
// namespace never write or remove each other's chains. iptables refuses names above 28
// characters; the longest here is 27.
//
//   nat    ORCH-SERVICES-<id>             entry, jumped from PREROUTING and OUTPUT: one
//                                         rule per destination bucket, then NodePorts
//          ORCH-SERVICES-<id>-<bucket>    the service IPs (ClusterIP, external, LB) of one
//                                         IPv4 /24 (IPv6: a hash of the /120)
//          ORCH-NODEPORTS-<id>            NodePort dispatch: one rule per block of 100 ports
//          ORCH-NODEPORTS-<id>-<block>    the NodePorts of one block
//          ORCH-SVC-<id>-<hash>           one per service port: random jumps to endpoints
//          ORCH-SVCL-<id>-<hash>          the same over this node's endpoints (Local policy)
//          ORCH-SVCX-<id>-<hash>          external traffic (NodePort, LB, external IP)
//          ORCH-SEP-<id>-<hash>           one per endpoint: DNAT (affinity: -m recent)
//          ORCH-MARK-<id>                 mark for masquerade
//          ORCH-MARK-<id>-POST            jumped from POSTROUTING: masquerade marked packets
//          ORCH-MARK-<id>-CANARY          empty but for one rule: gone = someone flushed
//   filter ORCH-SERVICES-<id>             jumped from INPUT, FORWARD, OUTPUT: REJECT for
//                                         services without endpoints, DROP for Local
//                                         external traffic without a local endpoint
//          ORCH-MARK-<id>-CANARY

import crypto from 'node:crypto';

/** 6 hex characters of sha256(cluster uid / node name). */
export function instanceId(clusterUid: string, nodeName: string): string {
  return crypto.hash('sha256', `${clusterUid}/${nodeName}`, 'hex').slice(0, 6);
}

/** 10 base32 characters (50 bits) of sha256(text), as kube-proxy names its chains. */
export function shortHash(text: string): string {
  const digest = crypto.hash('sha256', text, 'buffer');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[digest[i]! & 31];
  return out;
}

export interface InstanceChains {
  id: string;
  services: string;
  nodePorts: string;
  mark: string;
  postrouting: string;
  canary: string;
  filter: string;
}

export function instanceChains(id: string): InstanceChains {
  return {
    id,
    services: `ORCH-SERVICES-${id}`,
    nodePorts: `ORCH-NODEPORTS-${id}`,
    mark: `ORCH-MARK-${id}`,
    postrouting: `ORCH-MARK-${id}-POST`,
    canary: `ORCH-MARK-${id}-CANARY`,
    filter: `ORCH-SERVICES-${id}`,
  };
}

/** Whether a chain name belongs to instance `id` (cleanup, stale-chain removal). */
export function belongsTo(chain: string, id: string): boolean {
  return new RegExp(`^ORCH-(SERVICES|NODEPORTS|MARK|SVC|SVCL|SVCX|SEP)-${id}(-|$)`).test(chain);
}

/** Whether a chain is any proxy instance's (ORCH-SVC… / ORCH-SEP… / ORCH-NODEPORTS… / ORCH-SERVICES… / ORCH-MARK…). */
export function isProxyChain(chain: string): boolean {
  return /^ORCH-(SERVICES|NODEPORTS|MARK|SVC|SVCL|SVCX|SEP)-[0-9a-f]{6}(-|$)/.test(chain);
}
