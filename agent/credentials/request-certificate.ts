// One node client certificate, the way a kubelet gets it: a fresh RSA key, a CSR for
// CN system:node:<name>, O system:nodes (signer kubernetes.io/kube-apiserver-client-kubelet,
// usages digital signature + client auth), sent with whatever credential the client holds
// (a bootstrap token for a new node, the current certificate for a renewal), then waiting
// until the controller manager approves and signs it. Denied or Failed requests end with
// an error naming the request and the reason; an unapproved one is logged every 30 s
// with the command that approves it. With `serving` it asks for the agent's serving
// certificate instead (signer kubernetes.io/kubelet-serving, the node's names as subject
// alternative names, usages digital signature + key encipherment + server auth).

import { ApiError } from '../../api/errors.js';
import type { CertificateSigningRequest } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import type { Logger } from '../../foundation/logger.js';
import { createNodeCsr, newPrivateKeyPem } from '../../foundation/pki-csr.js';

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';

export interface RequestCertificateOptions {
  client: Client;
  nodeName: string;
  logger: Logger;
  signal?: AbortSignal;
  /** Between two looks at the request (default 1 s). */
  pollMs?: number;
  /** A serving certificate for these names instead of a client certificate. */
  serving?: { dnsNames: string[]; ipAddresses: string[] };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** What a failed attempt means to a person reading the log. */
export function explainRequestError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status.code === 401) return 'the API server refused the credential (401): a bootstrap token that expired or was deleted? Create one with `orch token create`';
    if (err.status.code === 403) return `the credential may not create certificate signing requests (403): ${err.status.message}`;
    return err.status.message ?? String(err);
  }
  return err instanceof Error ? err.message : String(err);
}

export async function requestNodeCertificate(o: RequestCertificateOptions): Promise<{ certPem: string; keyPem: string; csrName: string }> {
  const keyPem = newPrivateKeyPem();
  const csrs = o.client.resource<CertificateSigningRequest>('certificatesigningrequests');
  const created = await csrs.create({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: o.serving ? 'node-serving-csr-' : 'node-csr-' },
    spec: {
      request: Buffer.from(createNodeCsr(keyPem, o.nodeName, o.serving), 'utf8').toString('base64'),
      signerName: o.serving ? KUBELET_SERVING_SIGNER : KUBELET_CLIENT_SIGNER,
      usages: o.serving ? ['digital signature', 'key encipherment', 'server auth'] : ['digital signature', 'client auth'],
    },
  });
  const name = created.metadata.name!;
  o.logger.info({ csr: name }, 'certificate signing request sent; waiting for approval and signing');
  let lastNote = Date.now();
  for (;;) {
    await sleep(o.pollMs ?? 1000, o.signal);
    let csr: CertificateSigningRequest;
    try {
      csr = await csrs.get(name);
    } catch (err) {
      if (err instanceof ApiError && err.status.code === 404) throw new Error(`certificate signing request ${name} was deleted before it was signed`);
      throw err;
    }
    const conds = csr.status?.conditions ?? [];
    const denied = conds.find((c) => c.type === 'Denied');
    if (denied) throw new Error(`certificate signing request ${name} was denied${denied.reason ? ` (${denied.reason})` : ''}${denied.message ? `: ${denied.message}` : ''}`);
    const failed = conds.find((c) => c.type === 'Failed');
    if (failed) throw new Error(`certificate signing request ${name} failed${failed.message ? `: ${failed.message}` : ''}`);
    if (csr.status?.certificate) return { certPem: Buffer.from(csr.status.certificate, 'base64').toString('utf8'), keyPem, csrName: name };
    if (Date.now() - lastNote >= 30_000) {
      lastNote = Date.now();
      const approved = conds.some((c) => c.type === 'Approved');
      o.logger.info(
        { csr: name },
        approved ? 'certificate request approved; waiting for the controller manager to sign it (is it running with --cluster-signing-cert-file?)' : `certificate request not approved yet: \`kubectl certificate approve ${name}\` approves it`,
      );
    }
  }
}
