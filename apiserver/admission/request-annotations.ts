// What admission leaves on a request for others to pick up: the Warning headers of the
// reply (kubectl prints them) and the audit annotations the audit log writes into the
// request's audit Event (`annotations` of audit.k8s.io/v1 Event), e.g.
//   pod-security.kubernetes.io/audit-violations: would violate PodSecurity "restricted:latest": ...

import type { FastifyReply, FastifyRequest } from 'fastify';
import { newRequestAdmission, type RequestAdmission } from './types.js';

/** Warning headers on one reply are capped, as a body could produce thousands. */
const MAX_WARNINGS = 50;

/** The request's admission record, created on first use. */
export function requestAdmission(req: FastifyRequest): RequestAdmission {
  req.orchAdmission ??= newRequestAdmission(req.user);
  return req.orchAdmission;
}

/** The audit annotations admission set on this request (empty when none): for the audit log. */
export function auditAnnotationsOf(req: FastifyRequest): Record<string, string> {
  return Object.fromEntries(req.orchAdmission?.auditAnnotations ?? []);
}

/** `Warning: 299 - "text"` headers, added to any the reply already has (fieldValidation=Warn). */
export function addWarningHeaders(reply: FastifyReply, texts: Iterable<string>): void {
  const add = [...texts].map((w) => `299 - ${JSON.stringify(w)}`);
  if (add.length === 0) return;
  const had = reply.getHeader('warning');
  const before = had === undefined ? [] : Array.isArray(had) ? had.map(String) : [String(had)];
  reply.header('warning', [...before, ...add].slice(0, MAX_WARNINGS));
}
