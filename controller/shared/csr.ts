// What the CSR controllers (csr-approving, csr-signing) agree on, as Kubernetes'
// certificates packages: the signer names, the approval state of a request, and what a
// node client certificate request looks like (isNodeClientCert in csrapproving and the
// kube-apiserver-client-kubelet signer's own check), and what the kubelet-serving signer
// accepts (Kubernetes' ValidateKubeletServingCSR).

import type { CertificateSigningRequest, CertificateSigningRequestCondition } from '../../api/types.js';
import type { ParsedCsr } from '../../foundation/pki-csr.js';

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const API_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
export const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';

const has = (csr: CertificateSigningRequest, type: string) => (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
export const isApproved = (csr: CertificateSigningRequest) => has(csr, 'Approved');
export const isDenied = (csr: CertificateSigningRequest) => has(csr, 'Denied');
export const hasFailed = (csr: CertificateSigningRequest) => has(csr, 'Failed');

/** The PEM of spec.request (base64 in the object). */
export function requestPem(csr: CertificateSigningRequest): string {
  return Buffer.from(csr.spec?.request ?? '', 'base64').toString('utf8');
}

/** Kubernetes accepts either set for a kubelet client certificate (key encipherment is optional). */
const NODE_CLIENT_USAGES = [
  ['client auth', 'digital signature', 'key encipherment'],
  ['client auth', 'digital signature'],
];

/** Why this is not a node client certificate request, or undefined when it is one. */
export function nodeClientProblem(csr: CertificateSigningRequest, x: ParsedCsr): string | undefined {
  if (csr.spec?.signerName !== KUBELET_CLIENT_SIGNER) return `signer is ${csr.spec?.signerName}, not ${KUBELET_CLIENT_SIGNER}`;
  if (!x.signatureValid) return 'the request is not signed by its own key';
  if (x.organizations.length !== 1 || x.organizations[0] !== NODES_GROUP) return `subject organization must be exactly ${NODES_GROUP}`;
  if (!x.commonName?.startsWith(NODE_USER_PREFIX) || x.commonName.length === NODE_USER_PREFIX.length) return `subject common name must be ${NODE_USER_PREFIX}<node name>`;
  if (x.dnsNames.length + x.ipAddresses.length + x.emailAddresses.length + x.uris.length > 0) return 'a node client certificate has no subject alternative names';
  const usages = [...(csr.spec?.usages ?? [])].sort();
  if (!NODE_CLIENT_USAGES.some((u) => u.length === usages.length && u.every((v, i) => v === usages[i])))
    return `usages must be "digital signature", "client auth" and optionally "key encipherment", not ${JSON.stringify(csr.spec?.usages ?? [])}`;
  return undefined;
}

/** The usages a kubelet-serving request may ask for ("server auth" is required). */
export const NODE_SERVING_USAGES: readonly string[] = ['digital signature', 'key encipherment', 'server auth'];

/**
 * Why the kubelet-serving signer refuses this request, or undefined when it may sign it
 * (Kubernetes' ValidateKubeletServingCSR): subject system:node:<name> / system:nodes, at
 * least one DNS or IP name and no e-mail or URI names, usages within NODE_SERVING_USAGES
 * including "server auth". Whether the names are the node's own is the approver's question.
 */
export function nodeServingProblem(csr: CertificateSigningRequest, x: ParsedCsr): string | undefined {
  if (csr.spec?.signerName !== KUBELET_SERVING_SIGNER) return `signer is ${csr.spec?.signerName}, not ${KUBELET_SERVING_SIGNER}`;
  if (!x.signatureValid) return 'the request is not signed by its own key';
  if (x.organizations.length !== 1 || x.organizations[0] !== NODES_GROUP) return `subject organization must be exactly ${NODES_GROUP}`;
  if (!x.commonName?.startsWith(NODE_USER_PREFIX) || x.commonName.length === NODE_USER_PREFIX.length) return `subject common name must be ${NODE_USER_PREFIX}<node name>`;
  if (x.dnsNames.length + x.ipAddresses.length === 0) return 'a node serving certificate names at least one DNS name or IP address';
  if (x.emailAddresses.length + x.uris.length > 0) return 'a node serving certificate has no e-mail or URI names';
  const usages: string[] = csr.spec?.usages ?? [];
  if (!usages.includes('server auth') || usages.some((u) => !NODE_SERVING_USAGES.includes(u)))
    return `usages must include "server auth" and be among ${JSON.stringify(NODE_SERVING_USAGES)}, not ${JSON.stringify(usages)}`;
  return undefined;
}

/** A condition as the controllers write them (times set by the apiserver). */
export function condition(type: string, reason: string, message: string): CertificateSigningRequestCondition {
  return { type, status: 'True', reason, message };
}
