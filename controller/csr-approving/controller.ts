// csr-approving (Kubernetes' csrapproving controller): approves node client certificate
// requests (signer kubernetes.io/kube-apiserver-client-kubelet, CN system:node:<name>,
// O system:nodes, client-auth usages, no alternative names) when the requester may:
//   - renewal: the requester is that node itself (spec.username = the CN) and may create
//     certificatesigningrequests/selfnodeclient;
//   - a new node: the requester may create certificatesigningrequests/nodeclient (the
//     bootstrappers' role).
// "May" is asked of the apiserver's authorizer through a SubjectAccessReview for the
// requester recorded in the CSR (access-review.ts), so RBAC bindings decide, as in
// Kubernetes. Agents' serving certificate requests (kubernetes.io/kubelet-serving) are
// approved by orch's own rule (serving-approval.ts; Kubernetes leaves them to an external
// approver). Anything else is left for a person (`kubectl certificate approve|deny`).

import type { CertificateSigningRequest, Node } from '../../api/types.js';
import { isNotFound, isConflict } from '../../api/errors.js';
import type { Client } from '../../client/types.js';
import type { Logger } from '../../foundation/logger.js';
import { parseCsr, type ParsedCsr } from '../../foundation/pki-csr.js';
import { done, type Result } from '../../client/reconcile-loop.js';
import { keyOf } from '../shared/objects.js';
import { condition, isApproved, isDenied, nodeClientProblem, requestPem } from '../shared/csr.js';
import type { Controller, InformerView, QueueView, Recorder } from '../shared/types.js';
import { isServingRequest, servingApprovalProblem, servingNodeName } from './serving-approval.js';
import type { AccessReviewer } from './access-review.js';

export interface CsrApprovingDeps {
  client: Client;
  csrs: InformerView<CertificateSigningRequest>;
  reviewer: AccessReviewer;
  /** Serving requests are checked against the Node's addresses; without it they stay pending. */
  nodes?: InformerView<Node>;
  /** Why a serving request stays pending goes on the request as an Event. */
  recorder?: Recorder;
  logger: Logger;
  queue: QueueView;
}

export class CsrApprovingController implements Controller {
  readonly name = 'csrapproving';
  /** The last reason recorded per pending serving request (one Event per reason, not per look). */
  private readonly reported = new Map<string, string>();

  constructor(private readonly deps: CsrApprovingDeps) {
    const add = (c: CertificateSigningRequest) => {
      if (!isApproved(c) && !isDenied(c) && !c.status?.certificate) deps.queue.add(keyOf(c));
    };
    deps.csrs.addEventHandler({ onAdd: add, onUpdate: (_o, c) => add(c), onDelete: (c) => this.reported.delete(keyOf(c)) });
    // A serving request waits for its Node (and for the addresses it names): look again when they change.
    const nodeChanged = (n: Node) => {
      for (const c of deps.csrs.list()) if (isServingRequest(c) && c.spec.username === `system:node:${n.metadata.name}`) add(c);
    };
    deps.nodes?.addEventHandler({ onAdd: nodeChanged, onUpdate: (_o, n) => nodeChanged(n) });
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
    if (isServingRequest(csr)) return this.reconcileServing(key, csr, x);
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
    if (await this.approve(approved)) this.deps.logger.info({ csr: key, requester: user.name, node: x.commonName, renewal: self }, 'node client certificate request approved');
    return done;
  }

  private async reconcileServing(key: string, csr: CertificateSigningRequest, x: ParsedCsr): Promise<Result> {
    const name = servingNodeName(x);
    const node = name && this.deps.nodes ? this.deps.nodes.get(name) : undefined;
    const problem = !this.deps.nodes ? 'this controller manager does not watch Nodes' : servingApprovalProblem(csr, x, node);
    if (problem) {
      if (this.reported.get(key) !== problem) {
        this.reported.set(key, problem);
        this.deps.logger.info({ csr: key, requester: csr.spec.username, problem }, 'serving certificate request left for a person to approve or deny');
        this.deps.recorder?.record(csr, 'Warning', 'ServingCertificateNotApproved', `not auto-approved: ${problem} (\`kubectl certificate approve|deny ${csr.metadata.name}\`)`);
      }
      return done;
    }
    this.reported.delete(key);
    const approved: CertificateSigningRequest = {
      ...csr,
      status: { ...(csr.status ?? {}), conditions: [...(csr.status?.conditions ?? []), condition('Approved', 'AutoApproved', "Auto approving the agent's serving certificate: the node's own names and addresses.")] },
    };
    if (await this.approve(approved)) this.deps.logger.info({ csr: key, node: name, dns: x.dnsNames, ips: x.ipAddresses }, 'node serving certificate request approved');
    return done;
  }

  /** True when written; a request gone or changed meanwhile comes back through the informer. */
  private async approve(csr: CertificateSigningRequest): Promise<boolean> {
    try {
      await this.deps.client.resource<CertificateSigningRequest>('certificatesigningrequests').updateSubresource(csr, 'approval');
      return true;
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
      return false;
    }
  }
}
