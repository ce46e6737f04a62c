// csr-signing (Kubernetes' csrsigning controller): issues the certificates of approved
// requests for the signers it owns, with the cluster CA (--cluster-signing-cert-file /
// --cluster-signing-key-file), writing status.certificate through /status:
//   kubernetes.io/kube-apiserver-client-kubelet  node client certificates; the request
//       must be one (controller/shared/csr.ts nodeClientProblem), else it is Failed
//   kubernetes.io/kube-apiserver-client          any client certificate (client auth only)
//   kubernetes.io/kubelet-serving                agents' log/exec endpoint certificates (server
//       auth only; nodeServingProblem), approved by csrapproving for the node's own names
// The lifetime is spec.expirationSeconds capped at --cluster-signing-duration (default
// one year), and never past the CA's own expiry. Requests for other signers are left
// alone; requests it cannot honour get a Failed condition saying why.

import type { CertificateSigningRequest } from '../../api/types.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import type { CertAndKey } from '../../foundation/pki.js';
import { parseCsr, signCsr, type ParsedCsr } from '../../foundation/pki-csr.js';
import { done, type Result } from '../../client/reconcile-loop.js';
import { keyOf } from '../shared/objects.js';
import { API_CLIENT_SIGNER, condition, hasFailed, isApproved, isDenied, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, nodeClientProblem, nodeServingProblem, requestPem } from '../shared/csr.js';
import type { Controller, InformerView, QueueView } from '../shared/types.js';

export const DEFAULT_CLUSTER_SIGNING_DURATION_MS = 365 * 24 * 3600_000;

export interface CsrSigningDeps {
  client: Client;
  csrs: InformerView<CertificateSigningRequest>;
  ca: CertAndKey;
  /** --cluster-signing-duration: the longest certificate it issues. */
  durationMs: number;
  clock: Clock;
  logger: Logger;
  queue: QueueView;
}

const SIGNERS = new Set([KUBELET_CLIENT_SIGNER, API_CLIENT_SIGNER, KUBELET_SERVING_SIGNER]);

/** Why this signer cannot issue the request, or undefined when it can. */
function signerProblem(csr: CertificateSigningRequest, x: ParsedCsr | undefined): string | undefined {
  if (!x) return 'the request cannot be parsed (orch signs PKCS#10 requests with RSA keys)';
  if (csr.spec.signerName === KUBELET_CLIENT_SIGNER) return nodeClientProblem(csr, x);
  if (csr.spec.signerName === KUBELET_SERVING_SIGNER) return nodeServingProblem(csr, x);
  if (!x.signatureValid) return 'the request is not signed by its own key';
  if ((csr.spec.usages ?? []).some((u) => !['client auth', 'digital signature', 'key encipherment'].includes(u)))
    return `${API_CLIENT_SIGNER} issues client certificates only (usages "client auth", "digital signature", "key encipherment")`;
  return undefined;
}

export class CsrSigningController implements Controller {
  readonly name = 'csrsigning';

  constructor(private readonly deps: CsrSigningDeps) {
    const add = (c: CertificateSigningRequest) => {
      if (this.wants(c)) deps.queue.add(keyOf(c));
    };
    deps.csrs.addEventHandler({ onAdd: add, onUpdate: (_o, c) => add(c) });
  }

  private wants(c: CertificateSigningRequest): boolean {
    return SIGNERS.has(c.spec?.signerName) && isApproved(c) && !isDenied(c) && !hasFailed(c) && !c.status?.certificate && !c.metadata.deletionTimestamp;
  }

  async reconcile(key: string): Promise<Result> {
    const csr = this.deps.csrs.get(key);
    if (!csr || !this.wants(csr)) return done;
    const pem = requestPem(csr);
    let x: ParsedCsr | undefined;
    try {
      x = parseCsr(pem);
    } catch {
      x = undefined;
    }
    const problem = signerProblem(csr, x);
    let status: CertificateSigningRequest['status'];
    if (problem) {
      status = { ...(csr.status ?? {}), conditions: [...(csr.status?.conditions ?? []), condition('Failed', 'SignerValidationFailure', problem)] };
      this.deps.logger.info({ csr: key, problem }, 'certificate request failed');
    } else {
      const requested = csr.spec.expirationSeconds ? csr.spec.expirationSeconds * 1000 : Infinity;
      const certPem = signCsr(this.deps.ca, pem, {
        durationMs: Math.min(requested, this.deps.durationMs),
        nowMs: this.deps.clock.now(),
        clientAuth: csr.spec.signerName !== KUBELET_SERVING_SIGNER,
        serverAuth: csr.spec.signerName === KUBELET_SERVING_SIGNER,
      });
      status = { ...(csr.status ?? {}), certificate: Buffer.from(certPem, 'utf8').toString('base64') };
    }
    try {
      await this.deps.client.resource<CertificateSigningRequest>('certificatesigningrequests').updateStatus({ ...csr, status });
      if (!problem) this.deps.logger.info({ csr: key, subject: x?.commonName }, 'certificate issued');
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    return done;
  }
}
