// Who may approve and who may sign a CertificateSigningRequest, per signer — Kubernetes'
// CertificateApproval and CertificateSigning admission plugins. Writing the /approval or
// /status subresource of a CSR is not enough: adding an Approved or Denied condition needs
// `approve`, and setting or changing status.certificate needs `sign`, on the pseudo-resource
// `signers` of certificates.k8s.io named by the CSR's signerName (or `<domain>/*`, which
// covers every signer of that domain). So a user who may update CSRs in general (e.g. for
// labels) cannot approve a request for a signer nobody trusted them with.

import type { KubeObject } from '../../api/types.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { UserInfo } from '../../foundation/token-auth.js';
import type { AuthorizerChain } from '../authorization/chain.js';
import { forbiddenError } from '../authorization/node-rules.js';
import type { ResourceRequest } from '../request-info.js';

const GROUP = 'certificates.k8s.io';

/** Not served: only a name for authorization, as in Kubernetes. */
const SIGNERS: ResourceInfo = {
  group: GROUP,
  version: 'v1',
  kind: 'Signer',
  listKind: 'SignerList',
  plural: 'signers',
  singular: 'signer',
  namespaced: false,
  shortNames: [],
  verbs: [],
  subresources: [],
};

interface Csr extends KubeObject {
  spec?: { signerName?: unknown };
  status?: { certificate?: unknown; conditions?: { type?: unknown }[] };
}

const approvalTypes = (o: Csr | undefined): Set<string> =>
  new Set((Array.isArray(o?.status?.conditions) ? o!.status!.conditions! : []).map((c) => c?.type).filter((t): t is string => t === 'Approved' || t === 'Denied'));

/** Allowed on the signer itself or on `<domain>/*`. */
export function maySigner(chain: AuthorizerChain, user: UserInfo, verb: 'approve' | 'sign', signerName: string): boolean {
  const names = [signerName];
  const slash = signerName.indexOf('/');
  if (slash > 0) names.push(`${signerName.slice(0, slash)}/*`);
  return names.some((name) => chain.authorize(user, { type: 'resource', resource: SIGNERS, name, verb } as unknown as ResourceRequest).allowed === true);
}

/** The write check for CSR /approval and /status updates; undefined for any other request. */
export function signerCheck(chain: AuthorizerChain, user: UserInfo, info: ResourceRequest): ((current: KubeObject | undefined, next: KubeObject) => void) | undefined {
  if (info.resource.group !== GROUP || info.resource.plural !== 'certificatesigningrequests') return undefined;
  const sub = info.subresource;
  if (sub !== 'approval' && sub !== 'status') return undefined;
  return (current, next) => {
    const before = current as Csr | undefined;
    const after = next as Csr;
    const signerName = typeof after.spec?.signerName === 'string' ? after.spec.signerName : '';
    const deny = (verb: string) => {
      throw forbiddenError(user, info, `user not permitted to ${verb} requests with signerName "${signerName}"`);
    };
    if (sub === 'approval') {
      const had = approvalTypes(before);
      const added = [...approvalTypes(after)].some((t) => !had.has(t));
      if (added && !maySigner(chain, user, 'approve', signerName)) deny('approve');
      return;
    }
    const cert = after.status?.certificate;
    if (cert !== undefined && cert !== before?.status?.certificate && !maySigner(chain, user, 'sign', signerName)) deny('sign');
  };
}
