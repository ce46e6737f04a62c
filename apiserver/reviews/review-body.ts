// Reading the body of a review (the virtual kinds of registry/virtual-kinds.ts) without
// trusting it: each kind's fields are a small fixed shape, so unknown fields are found by
// walking that shape (fieldValidation Strict: 400 in Kubernetes' words; Warn: warnings),
// and a field of the wrong type is a 400 naming it, as a Go decoder refuses it.
// `metadata` is an ObjectMeta the server ignores (reviews have no name); `status` is
// what the server fills in, so whatever the client put there is dropped.

import { errors } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { FieldValidation } from '../write-options.js';

type Shape = 'string' | 'strings' | 'extra' | 'any' | { [field: string]: Shape };

const RESOURCE_ATTRIBUTES: Shape = { namespace: 'string', verb: 'string', group: 'string', version: 'string', resource: 'string', subresource: 'string', name: 'string' };
const NON_RESOURCE_ATTRIBUTES: Shape = { path: 'string', verb: 'string' };
const SELF_ACCESS_SPEC: Shape = { resourceAttributes: RESOURCE_ATTRIBUTES, nonResourceAttributes: NON_RESOURCE_ATTRIBUTES };
const ACCESS_SPEC: Shape = { ...SELF_ACCESS_SPEC, user: 'string', groups: 'strings', extra: 'extra', uid: 'string' };

const top = (spec?: Shape): Shape => ({ apiVersion: 'string', kind: 'string', metadata: 'any', status: 'any', ...(spec ? { spec } : {}) });

const SHAPES: Record<string, Shape> = {
  SelfSubjectAccessReview: top(SELF_ACCESS_SPEC),
  SubjectAccessReview: top(ACCESS_SPEC),
  LocalSubjectAccessReview: top(ACCESS_SPEC),
  SelfSubjectRulesReview: top({ namespace: 'string' }),
  SelfSubjectReview: top(),
  TokenReview: top({ token: 'string', audiences: 'strings' }),
};

function typeError(field: string, want: string, got: unknown): Error {
  const what = Array.isArray(got) ? 'array' : got === null ? 'null' : typeof got;
  return errors.badRequest(`${field}: cannot be read as ${want} (got ${what})`);
}

function walk(shape: Shape, v: unknown, path: string, unknown: string[]): void {
  if (v === undefined || v === null || shape === 'any') return;
  if (shape === 'string') {
    if (typeof v !== 'string') throw typeError(path, 'a string', v);
  } else if (shape === 'strings') {
    if (!Array.isArray(v)) throw typeError(path, 'a list of strings', v);
    v.forEach((s, i) => {
      if (typeof s !== 'string') throw typeError(`${path}[${i}]`, 'a string', s);
    });
  } else if (shape === 'extra') {
    if (typeof v !== 'object' || Array.isArray(v)) throw typeError(path, 'a map of string lists', v);
    for (const [k, list] of Object.entries(v)) walk('strings', list, `${path}[${JSON.stringify(k)}]`, unknown);
  } else {
    if (typeof v !== 'object' || Array.isArray(v)) throw typeError(path, 'an object', v);
    for (const [k, child] of Object.entries(v)) {
      const sub = Object.hasOwn(shape, k) ? shape[k] : undefined;
      if (sub === undefined) unknown.push(path ? `${path}.${k}` : k);
      else walk(sub, child, path ? `${path}.${k}` : k, unknown);
    }
  }
}

/**
 * Checks the body's shape; returns the warnings to send (Warn), throws 400 for a field of
 * the wrong type and, under Strict, for unknown fields.
 */
export function checkReviewBody(r: ResourceInfo, body: Record<string, unknown>, mode: FieldValidation): string[] {
  const unknown: string[] = [];
  walk(SHAPES[r.kind]!, body, '', unknown);
  if (unknown.length === 0 || mode === 'Ignore') return [];
  const named = unknown.map((f) => `unknown field "${f}"`);
  if (mode === 'Strict') throw errors.badRequest(`${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: strict decoding error: ${named.join(', ')}`);
  return named;
}

/** The body's spec without the unknown fields (they are never answered back). */
export function knownSpec(r: ResourceInfo, body: Record<string, unknown>): Record<string, unknown> {
  const shape = (SHAPES[r.kind] as Record<string, Shape>).spec;
  const strip = (s: Shape | undefined, v: unknown): unknown => {
    if (s === undefined || typeof s === 'string' || typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) if (Object.hasOwn(s, k) && child !== undefined && child !== null) out[k] = strip(s[k], child);
    return out;
  };
  return (strip(shape, body.spec ?? {}) as Record<string, unknown>) ?? {};
}
