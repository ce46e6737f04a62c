// csr-approving (Kubernetes' csrapproving controller): approves node client certificate
// requests (signer kubernetes.io/kube-apiserver-client-kubelet, CN system:node:<name>,
// O system:nodes, client-auth usages, no alternative names) when the requester may:
//   - renewal: the requester is that node itself (spec.username = the CN) and may create
//     certificatesigningrequests/selfnodeclient;
//   - a new node: the requester may create certificatesigningrequests/nodeclient (the
//     bootstrappers' role).
// "May" is asked of the apiserver's authorizer through a SubjectAccessReview for the
// requester recorded in the CSR (access-review.ts), so RBAC bindings decide, as in
// Kubernetes. Anything else is left for a person (`kubectl certificate approve|deny`).

import type { CertificateSigningRequest } from '../../api/types.js';
import { isNotFound, isConflict } from '../../api/errors.js';
import type { Client } from '../../client/types.js';
import type { Logger } from '../../foundation/logger.js';
import { parseCsr, type ParsedCsr } from '../../foundation/pki-csr.js';
import { done, type Result } from '../../client/reconcile-loop.js';
import { keyOf } from '../shared/objects.js';
import { condition, isApproved, isDenied, nodeClientProblem, requestPem } from '../shared/csr.js';
import type { Controller, InformerView, QueueView } from '../shared/types.js';
import type { AccessReviewer } from './access-review.js';

export interface CsrApprovingDeps {
  client: Client;
  csrs: InformerView<CertificateSigningRequest>;
  reviewer: AccessReviewer;
  logger: Logger;
  queue: QueueView;
}

export class CsrApprovingController implements Controller {
  readonly name = 'csrapproving';

  constructor(private readonly deps: CsrApprovingDeps) {
    const add = (c: CertificateSigningRequest) => {
      if (!isApproved(c) && !isDenied(c) && !c.status?.certificate) deps.queue.add(keyOf(c));
    };
    deps.csrs.addEventHandler({ onAdd: add, onUpdate: (_o, c) => add(c) });
  }

  async reconcile(key: string): Promise<Result> {
    const csr = this.deps.csrs.get(key);
    if (!csr || csr.metadata.deletionTimestamp || isApproved(csr) || isDenied(csr) || csr.status?.certificate) return done;
    let x: ParsedCsr;
    try {
      x = parseCsr(requestPem(csr));
    } catch {
      return done; // not ours to judge: the signer fails requests it cannot parse
    }
    if (nodeClientProblem(csr, x)) return done;
    const user = { name: csr.spec.username ?? '', uid: csr.spec.uid, groups: csr.spec.groups ?? [] };
    // Renewal first (the node asking for itself), then a new node (Kubernetes' order).
    const self = user.name === x.commonName && (await this.deps.reviewer.mayCreate(user, 'selfnodeclient'));
    const allowed = self || (await this.deps.reviewer.mayCreate(user, 'nodeclient'));
    if (!allowed) {
      this.deps.logger.debug({ csr: key, requester: user.name }, 'node client CSR not auto-approved: the requester may not create nodeclient or selfnodeclient');
      return done;
    }
    const approved: CertificateSigningRequest = {
      ...csr,
      status: { ...(csr.status ?? {}), conditions: [...(csr.status?.conditions ?? []), condition('Approved', 'AutoApproved', 'Auto approving kubelet client certificate after SubjectAccessReview.')] },
    };
    try {
      await this.deps.client.resource<CertificateSigningRequest>('certificatesigningrequests').updateSubresource(approved, 'approval');
      this.deps.logger.info({ csr: key, requester: user.name, node: x.commonName, renewal: self }, 'node client certificate request approved');
    } catch (err) {
      // Gone, or changed meanwhile: the informer brings the new state back here.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    return done;
  }
}
