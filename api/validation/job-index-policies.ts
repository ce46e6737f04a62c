// Validation of the Indexed-Job policies and spec.managedBy, after Kubernetes'
// validateJobSpec (1.32): backoffLimitPerIndex and successPolicy need completionMode
// Indexed, maxFailedIndexes needs backoffLimitPerIndex and may not exceed completions, a
// FailIndex rule needs backoffLimitPerIndex, succeededIndexes is an ordered list of
// non-overlapping indexes and ranges below completions, managedBy is a domain-prefixed
// path of at most 63 characters.

import type { StatusCause } from '../errors.js';
import { arrayField, fe, int32Field, isObj, objField, strField, type Obj } from './field-errors.js';
import { isDns1123Subdomain } from './names.js';

const MAX_INDEXED = 100_000;
const PATH_CHARS = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

/** Errors of an index list like "0,2-4,7" (increasing, non-overlapping, each below `completions`). */
export function indexListErrors(s: string, completions: number | undefined): string[] {
  if (s === '') return ['must not be empty'];
  let prev = -1;
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return [`cannot parse "${part}": expected an index or a range like 2-5`];
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) return [`range "${part}" must be increasing`];
    if (a <= prev) return ['must be ordered and the intervals must not overlap'];
    if (completions !== undefined && b >= completions) return [`too large: the indexes must be less than completions (${completions})`];
    prev = b;
  }
  return [];
}

/** How many indexes an index list names (call only on a valid list). */
export function indexListSize(s: string): number {
  let n = 0;
  for (const part of s.split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += (b ?? a!) - a! + 1;
  }
  return n;
}

export function validateIndexPolicies(spec: Obj, f: string, out: StatusCause[]): void {
  const indexed = spec.completionMode === 'Indexed';
  const completions = typeof spec.completions === 'number' ? spec.completions : undefined;
  const perIndex = int32Field(spec.backoffLimitPerIndex, `${f}.backoffLimitPerIndex`, out, { min: 0 });
  const maxFailed = int32Field(spec.maxFailedIndexes, `${f}.maxFailedIndexes`, out, { min: 0 });
  if (perIndex !== undefined && !indexed) out.push(fe.invalid(`${f}.backoffLimitPerIndex`, perIndex, 'requires indexed completion mode'));
  if (maxFailed !== undefined) {
    if (spec.backoffLimitPerIndex === undefined || spec.backoffLimitPerIndex === null) out.push(fe.required(`${f}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
    if (maxFailed > MAX_INDEXED) out.push(fe.invalid(`${f}.maxFailedIndexes`, maxFailed, `must be less than or equal to ${MAX_INDEXED}`));
    if (completions !== undefined && maxFailed > completions) out.push(fe.invalid(`${f}.maxFailedIndexes`, maxFailed, 'must be less than or equal to completions'));
  } else if (perIndex !== undefined && completions !== undefined && completions > MAX_INDEXED) {
    out.push(fe.required(`${f}.maxFailedIndexes`, `must be specified when completions is above ${MAX_INDEXED}`));
  }
  if (isObj(spec.podFailurePolicy) && Array.isArray(spec.podFailurePolicy.rules) && perIndex === undefined) {
    spec.podFailurePolicy.rules.forEach((r, i) => {
      if (isObj(r) && r.action === 'FailIndex') out.push(fe.invalid(`${f}.podFailurePolicy.rules[${i}].action`, 'FailIndex', 'requires the backoffLimitPerIndex to be set'));
    });
  }
  if (spec.successPolicy !== undefined && spec.successPolicy !== null) validateSuccessPolicy(spec.successPolicy, `${f}.successPolicy`, indexed, completions, out);
  if (spec.managedBy !== undefined && spec.managedBy !== null) {
    const mb = strField(spec.managedBy, `${f}.managedBy`, out);
    if (mb !== undefined) {
      if (mb.length > 63) out.push(fe.tooLong(`${f}.managedBy`, 63));
      const slash = mb.indexOf('/');
      const domainErrs = slash <= 0 ? ['must be a domain-prefixed path (such as "acme.io/foo")'] : isDns1123Subdomain(mb.slice(0, slash));
      const path = slash < 0 ? '' : mb.slice(slash + 1);
      if (domainErrs.length > 0) out.push(fe.invalid(`${f}.managedBy`, mb, domainErrs[0]!));
      else if (path === '' || !PATH_CHARS.test(path)) out.push(fe.invalid(`${f}.managedBy`, mb, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    }
  }
}

function validateSuccessPolicy(v: unknown, f: string, indexed: boolean, completions: number | undefined, out: StatusCause[]): void {
  const sp = objField(v, f, out);
  if (!sp) return;
  if (!indexed) out.push(fe.invalid(f, sp, 'requires indexed completion mode'));
  const rules = arrayField(sp.rules, `${f}.rules`, out);
  if (!rules || rules.length === 0) {
    out.push(fe.required(`${f}.rules`, 'at least one rule is required'));
    return;
  }
  if (rules.length > 20) out.push(fe.tooLong(`${f}.rules`, 20, 'items'));
  rules.forEach((raw, i) => {
    const rf = `${f}.rules[${i}]`;
    const r = objField(raw, rf, out);
    if (!r) return;
    const hasIdx = r.succeededIndexes !== undefined && r.succeededIndexes !== null;
    const count = int32Field(r.succeededCount, `${rf}.succeededCount`, out, { min: 0 });
    if (!hasIdx && count === undefined && (r.succeededCount === undefined || r.succeededCount === null)) {
      out.push(fe.required(rf, 'at least one of succeededCount or succeededIndexes must be specified'));
      return;
    }
    let size: number | undefined;
    if (hasIdx) {
      const s = strField(r.succeededIndexes, `${rf}.succeededIndexes`, out);
      if (s !== undefined) {
        if (s.length > 65536) out.push(fe.tooLong(`${rf}.succeededIndexes`, 65536));
        const errs = indexListErrors(s, completions);
        if (errs.length > 0) out.push(fe.invalid(`${rf}.succeededIndexes`, s, `error parsing succeededIndexes: ${errs[0]}`));
        else size = indexListSize(s);
      }
    }
    if (count !== undefined) {
      if (completions !== undefined && count > completions) out.push(fe.invalid(`${rf}.succeededCount`, count, `must be less than or equal to ${completions} (the number of specified completions)`));
      if (size !== undefined && count > size) out.push(fe.invalid(`${rf}.succeededCount`, count, `must be less than or equal to ${size} (the number of indexes in the specified succeededIndexes field)`));
    }
  });
}
