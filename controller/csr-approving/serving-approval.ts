// When csrapproving approves an agent's serving certificate request (signer
// kubernetes.io/kubelet-serving). Kubernetes approves none of these itself (a cluster
// runs an external approver, or an administrator approves by hand, because the kubelet
// may put any name it likes in the request). orch decides to approve the requests that
// name nothing but the node's own identity, so joined agents serve logs and exec without
// a hand-copied certificate:
//   - the requester is the node itself (spec.username = the CN system:node:NAME, group
//     system:nodes): a bootstrap token or another node cannot ask for NAME's certificate;
//   - the subject is CN system:node:NAME, O system:nodes (the signer's own check);
//   - every DNS name and IP address is NAME or one of that Node's status.addresses, as the
//     apiserver read them (a node writes its own addresses, but the apiserver checks the
//     certificate against the Node's name, never the address: foundation/agent-tls.ts);
//   - the usages are exactly digital signature, key encipherment and server auth.
// Anything else stays pending for a person (`kubectl certificate approve|deny`), with the
// reason logged and recorded as an Event on the request.

import net from 'node:net';
import type { CertificateSigningRequest, Node } from '../../api/types.js';
import { normalizeIP } from '../../foundation/pki.js';
import type { ParsedCsr } from '../../foundation/pki-csr.js';
import { KUBELET_SERVING_SIGNER, NODE_SERVING_USAGES, NODE_USER_PREFIX, NODES_GROUP, nodeServingProblem } from '../shared/csr.js';

export const isServingRequest = (csr: CertificateSigningRequest) => csr.spec?.signerName === KUBELET_SERVING_SIGNER;

/** The node a serving request is for (from its subject), or undefined. */
export function servingNodeName(x: ParsedCsr): string | undefined {
  const cn = x.commonName;
  return cn?.startsWith(NODE_USER_PREFIX) && cn.length > NODE_USER_PREFIX.length ? cn.slice(NODE_USER_PREFIX.length) : undefined;
}

/**
 * Why csrapproving leaves this kubelet-serving request pending, or undefined when it
 * approves it. `node` is the Node the subject names (undefined: not known yet).
 */
export function servingApprovalProblem(csr: CertificateSigningRequest, x: ParsedCsr, node: Node | undefined): string | undefined {
  const shape = nodeServingProblem(csr, x);
  if (shape) return shape;
  const name = servingNodeName(x)!;
  const requester = csr.spec.username ?? '';
  if (requester !== x.commonName) return `requested by ${JSON.stringify(requester)}, not by the node ${JSON.stringify(x.commonName)} itself`;
  if (!(csr.spec.groups ?? []).includes(NODES_GROUP)) return `the requester is not in the group ${NODES_GROUP}`;
  const usages = new Set<string>(csr.spec.usages ?? []);
  if (usages.size !== NODE_SERVING_USAGES.length || NODE_SERVING_USAGES.some((u) => !usages.has(u)))
    return `usages must be exactly ${JSON.stringify(NODE_SERVING_USAGES)}, not ${JSON.stringify(csr.spec.usages ?? [])}`;
  if (!node) return `node ${JSON.stringify(name)} does not exist (yet)`;
  const addresses = (node.status?.addresses ?? []).map((a) => String(a.address));
  const dnsAllowed = new Set([name, ...addresses.filter((a) => net.isIP(a) === 0)].map((a) => a.toLowerCase()));
  const ipAllowed = new Set([name, ...addresses].filter((a) => net.isIP(a) !== 0).map(normalizeIP));
  const foreign = [
    ...x.dnsNames.filter((d) => !dnsAllowed.has(d.toLowerCase())).map((d) => `DNS:${d}`),
    ...x.ipAddresses.filter((ip) => !ipAllowed.has(normalizeIP(ip))).map((ip) => `IP:${ip}`),
  ];
  if (foreign.length > 0) return `${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} neither the node's name nor one of its status.addresses`;
  return undefined;
}
