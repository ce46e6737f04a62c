// DeleteOptions of a DELETE request: the query parameters, then the DeleteOptions body
// kubectl sends over them, checked as Kubernetes does (400 naming the bad option). What
// DELETE then does with them is api/strategies/deletion.ts.

import { errors, type StatusCause } from '../../api/errors.js';
import { checkDeleteOptions, type DeleteOptionsParsed } from '../../api/strategies/deletion.js';
import { int64Field } from '../../api/validation/field-errors.js';
import { queryString, type Query } from '../list-options.js';
import { parseDryRun } from '../write-options.js';
import { text } from '../../api/validation/field-errors.js';

export type { DeleteOptionsParsed };

/** gracePeriodSeconds is an int64; anything else is a 400 naming it. */
function graceSeconds(v: unknown): number | undefined {
  let value = v;
  if (typeof v === 'string') {
    if (v === '') return undefined;
    value = /^-?\d+$/.test(v) ? Number(v) : v;
  }
  const causes: StatusCause[] = [];
  const n = int64Field(value, 'gracePeriodSeconds', causes);
  if (causes.length > 0) throw errors.badRequest(`gracePeriodSeconds: ${causes[0]!.message}`, causes);
  return n;
}

/** DeleteOptions from the body (kubectl sends one) merged over query parameters. */
export function parseDeleteOptions(body: unknown, q: Query): DeleteOptionsParsed {
  const opts: DeleteOptionsParsed = { dryRun: false };
  const qp = queryString(q, 'propagationPolicy');
  if (qp) opts.propagationPolicy = qp as DeleteOptionsParsed['propagationPolicy'];
  const qg = graceSeconds(queryString(q, 'gracePeriodSeconds'));
  if (qg !== undefined) opts.gracePeriodSeconds = qg;
  if (queryString(q, 'orphanDependents') === 'true') opts.propagationPolicy = 'Orphan';
  opts.dryRun = parseDryRun(q.dryRun);
  if (body !== undefined && body !== null && body !== '') {
    if (typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the DELETE body must be a DeleteOptions object');
    const b = body as Record<string, unknown>;
    if (b.kind !== undefined && b.kind !== 'DeleteOptions') throw errors.badRequest(`the DELETE body must be a DeleteOptions, not ${text(b.kind)}`);
    if (b.propagationPolicy !== undefined) {
      if (typeof b.propagationPolicy !== 'string') throw errors.badRequest('propagationPolicy must be a string');
      opts.propagationPolicy = b.propagationPolicy as DeleteOptionsParsed['propagationPolicy'];
    }
    if (b.orphanDependents === true) opts.propagationPolicy = 'Orphan';
    if (b.gracePeriodSeconds !== undefined && b.gracePeriodSeconds !== null) {
      if (typeof b.gracePeriodSeconds !== 'number') throw errors.badRequest('gracePeriodSeconds: must be an integer');
      opts.gracePeriodSeconds = graceSeconds(b.gracePeriodSeconds);
    }
    if (b.preconditions !== undefined && b.preconditions !== null) {
      if (typeof b.preconditions !== 'object') throw errors.badRequest('preconditions must be an object');
      const pre = b.preconditions as Record<string, unknown>;
      for (const k of ['uid', 'resourceVersion'] as const)
        if (pre[k] !== undefined && pre[k] !== null && typeof pre[k] !== 'string') throw errors.badRequest(`preconditions.${k}: must be a string`);
      opts.preconditions = b.preconditions as DeleteOptionsParsed['preconditions'];
    }
    if (b.dryRun !== undefined && b.dryRun !== null) {
      if (!Array.isArray(b.dryRun)) throw errors.badRequest('dryRun: must be a list (["All"])');
      opts.dryRun = parseDryRun(b.dryRun) || opts.dryRun;
    }
  }
  return checkDeleteOptions(opts);
}
