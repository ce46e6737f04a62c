// How the apiserver and the node agents recognise each other over TLS. Both sides hold
// certificates from the cluster CA:
//  - an agent's serving certificate names its node, as a kubelet's does: subject CN
//    `system:node:NAME` and NAME as a subject alternative name. The apiserver checks it
//    against the Node it means to reach, never against the address that Node published:
//    a node may write its own addresses, but it cannot obtain another node's certificate
//    (or any certificate the check accepts for a name it does not own).
//  - the apiserver presents a client certificate with CN `orch:apiserver-kubelet-client`
//    (clientAuth only); agents accept that one and no other. No reusable secret crosses
//    the wire, so an endpoint a node redirects the apiserver to learns nothing it can use.

import net from 'node:net';
import tls from 'node:tls';

export const APISERVER_AGENT_CLIENT_CN = 'orch:apiserver-kubelet-client';
const NODE_PREFIX = 'system:node:';

/** The subject CN of node NAME's agent serving certificate. */
export const agentServingCommonName = (nodeName: string): string => `${NODE_PREFIX}${nodeName}`;

function commonName(cert: tls.PeerCertificate | undefined): string | undefined {
  const cn: unknown = cert?.subject?.CN;
  return typeof cn === 'string' ? cn : undefined; // several CNs: no single identity
}

/**
 * Why `cert` is not node `nodeName`'s agent serving certificate, or undefined when it is.
 * The chain to the cluster CA is TLS's own check; this is the identity part (a
 * checkServerIdentity for the Node name instead of the dialled address).
 */
export function agentCertificateProblem(nodeName: string, cert: tls.PeerCertificate): string | undefined {
  const want = agentServingCommonName(nodeName);
  const cn = commonName(cert);
  if (cn !== want) return `the certificate is for ${JSON.stringify(cn ?? '')}, not ${JSON.stringify(want)}`;
  const err = tls.checkServerIdentity(nodeName, cert);
  if (err) return `the certificate does not name ${net.isIP(nodeName) ? 'the IP' : 'the host'} ${nodeName} (${cert.subjectaltname ?? 'no subject alternative names'})`;
  return undefined;
}

/** True when a verified client certificate is the apiserver's agent client certificate. */
export function isApiserverClientCertificate(cert: tls.PeerCertificate | undefined): boolean {
  return commonName(cert) === APISERVER_AGENT_CLIENT_CN;
}
