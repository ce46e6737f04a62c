// CertificateSigningRequest (certificates.k8s.io/v1) writes, as Kubernetes' csr strategies:
//   create      status cleared; spec.username/uid/groups are the requester's (the route
//               stamps them, stampRequester), never what the body says
//   update      spec and status are kept: a CSR's request never changes after create
//   /status     the signer's part (certificate, Failed and other conditions); the
//               Approved / Denied conditions stay as they were
//   /approval   only Approved / Denied conditions are added (never removed); the
//               certificate stays
// Conditions get their lastUpdateTime / lastTransitionTime filled in when missing.

import type { CertificateSigningRequestCondition, KubeObject } from '../types.js';
import type { Strategy } from './kinds.js';

const APPROVAL_TYPES = new Set(['Approved', 'Denied']);

type CsrStatus = { conditions?: CertificateSigningRequestCondition[]; certificate?: string };

function conditionsOf(o: KubeObject): CertificateSigningRequestCondition[] {
  const c = (o.status as CsrStatus | undefined)?.conditions;
  return Array.isArray(c) ? c : [];
}

function stampTimes(conds: CertificateSigningRequestCondition[], old: CertificateSigningRequestCondition[], now: string): void {
  for (const c of conds) {
    if (typeof c !== 'object' || c === null) continue;
    const prev = old.find((o) => o.type === c.type);
    if (!c.lastUpdateTime) c.lastUpdateTime = prev?.lastUpdateTime ?? now;
    if (!c.lastTransitionTime) c.lastTransitionTime = prev && prev.status === c.status ? (prev.lastTransitionTime ?? now) : now;
  }
}

export const csrStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForCreate(obj) {
    obj.status = {};
  },
  prepareForUpdate(obj, old) {
    obj.spec = old.spec;
  },
  prepareForSubresourceUpdate(sub, next, old, now) {
    const oldConds = conditionsOf(old);
    const bodyConds = conditionsOf(next);
    let status: CsrStatus;
    if (sub === 'approval') {
      // Only the approval conditions come from the body; the rest stays as stored.
      const keep = oldConds.filter((c) => !APPROVAL_TYPES.has(c.type));
      const approval = bodyConds.filter((c) => typeof c === 'object' && c !== null && APPROVAL_TYPES.has(c.type));
      // An approval or denial once given is never taken back (Kubernetes refuses removing one).
      const given = oldConds.filter((c) => APPROVAL_TYPES.has(c.type) && !approval.some((a) => a.type === c.type));
      status = { ...((old.status as CsrStatus | undefined) ?? {}), conditions: [...approval, ...given, ...keep] };
    } else {
      const approval = oldConds.filter((c) => APPROVAL_TYPES.has(c.type));
      status = { ...((next.status as CsrStatus | undefined) ?? {}) };
      status.conditions = [...approval, ...bodyConds.filter((c) => typeof c !== 'object' || c === null || !APPROVAL_TYPES.has(c.type))];
    }
    stampTimes(status.conditions!, oldConds, now);
    if (status.conditions!.length === 0) delete status.conditions;
    next.status = status;
  },
};

/** The requester, as the apiserver authenticated it: what spec.username/uid/groups say. */
export function stampRequester(body: unknown, user: { name: string; uid?: string; groups: string[] } | undefined): void {
  if (typeof body !== 'object' || body === null) return;
  const spec = (body as { spec?: unknown }).spec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return;
  const s = spec as Record<string, unknown>;
  delete s.username;
  delete s.uid;
  delete s.groups;
  delete s.extra;
  if (!user) return;
  s.username = user.name;
  if (user.uid) s.uid = user.uid;
  if (user.groups.length > 0) s.groups = [...user.groups];
}
