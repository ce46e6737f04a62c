// DELETE semantics, as a pure function of the stored object and the DeleteOptions:
// preconditions, propagation finalizers, graceful pods, finalizer-held objects and
// namespaces (which always wait for the apiserver's cleanup). The store applies the
// result inside one compare-and-swap.

import { errors, type StatusCause } from '../../api/errors.js';
import { deepClone } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { int64Field } from '../../api/validation/field-errors.js';
import { queryString, type Query } from '../list-options.js';
import { parseDryRun } from '../write-options.js';
import { readyToRemove } from './object-prep.js';
import { strategyFor } from './strategy.js';
import { isoSeconds } from '../../foundation/clock.js';

export interface DeleteOptionsParsed {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

const POLICIES = new Set(['Background', 'Foreground', 'Orphan']);

/**
 * The latest instant an RFC 3339 timestamp can write (year 9999). A grace period may be
 * any int64 number of seconds (terminationGracePeriodSeconds: 1e13 is valid), but the
 * deletionTimestamp it leads to stops here instead of failing to format; Kubernetes'
 * own arithmetic overflows far earlier, so no client can tell the difference.
 */
export const MAX_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/** RFC 3339, whole seconds, clamped to what the format can hold. */
export function deletionTimestampAt(ms: number): string {
  const clamped = Math.max(0, Math.min(Math.floor(ms / 1000) * 1000, MAX_TIMESTAMP_MS));
  return isoSeconds(clamped);
}

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
    if (b.kind !== undefined && b.kind !== 'DeleteOptions') throw errors.badRequest(`the DELETE body must be a DeleteOptions, not ${String(b.kind)}`);
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
      opts.preconditions = b.preconditions as DeleteOptionsParsed['preconditions'];
    }
    if (b.dryRun !== undefined && b.dryRun !== null) {
      if (!Array.isArray(b.dryRun)) throw errors.badRequest('dryRun: must be a list (["All"])');
      opts.dryRun = parseDryRun(b.dryRun) || opts.dryRun;
    }
  }
  if (opts.propagationPolicy !== undefined && !POLICIES.has(opts.propagationPolicy))
    throw errors.badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(opts.propagationPolicy)}: supported values: "Background", "Foreground", "Orphan"`);
  // Negative grace means "now" in Kubernetes' API machinery (clamped to 1 there for
  // pods; orch treats anything below 1 as immediate, the explicit force-delete).
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 0;
  return opts;
}

export type DeleteOutcome =
  | { action: 'remove' } // delete the key now
  | { action: 'update'; object: KubeObject } // deletion started / progressed: store this
  | { action: 'none' }; // already being deleted; nothing changes

export function checkPreconditions(resource: ResourceInfo, current: KubeObject, opts: DeleteOptionsParsed): void {
  const p = opts.preconditions;
  const name = current.metadata.name ?? '';
  if (p?.uid && p.uid !== current.metadata.uid)
    throw errors.conflict(resource, name, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
  if (p?.resourceVersion && p.resourceVersion !== current.metadata.resourceVersion)
    throw errors.conflict(resource, name, `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`);
}

/** What DELETE does to `current` at time nowMs. */
export function planDelete(resource: ResourceInfo, current: KubeObject, opts: DeleteOptionsParsed, nowMs: number): DeleteOutcome {
  checkPreconditions(resource, current, opts);
  const next = deepClone(current);
  const md = next.metadata;
  const finalizers = [...(md.finalizers ?? [])];
  const addFinalizer = (f: string) => {
    if (!finalizers.includes(f)) finalizers.push(f);
  };
  // Propagation is recorded as a finalizer for the garbage collector, as in Kubernetes.
  if (opts.propagationPolicy === 'Foreground') addFinalizer('foregroundDeletion');
  if (opts.propagationPolicy === 'Orphan') addFinalizer('orphan');
  if (finalizers.length > 0) md.finalizers = finalizers;

  const strategy = strategyFor(resource);
  const iso = deletionTimestampAt;

  if (resource.plural === 'namespaces') {
    if (md.deletionTimestamp !== undefined) return finalizers.length === (current.metadata.finalizers ?? []).length ? { action: 'none' } : { action: 'update', object: next };
    md.deletionTimestamp = iso(nowMs);
    md.deletionGracePeriodSeconds = 0;
    next.status = { ...(next.status as object | undefined), phase: 'Terminating' };
    return { action: 'update', object: next };
  }

  if (md.deletionTimestamp !== undefined) {
    // Already being deleted: only a shorter grace period (the agent's confirmation with
    // gracePeriodSeconds=0, or a force delete) or new propagation finalizers change anything.
    const curGrace = md.deletionGracePeriodSeconds ?? 0;
    let changed = finalizers.length !== (current.metadata.finalizers ?? []).length;
    if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < curGrace) {
      md.deletionGracePeriodSeconds = opts.gracePeriodSeconds;
      md.deletionTimestamp = iso(nowMs + opts.gracePeriodSeconds * 1000);
      changed = true;
    }
    if (readyToRemove(next)) return { action: 'remove' };
    return changed ? { action: 'update', object: next } : { action: 'none' };
  }

  const grace = strategy.gracefulDelete ? strategy.gracefulDelete(current, { gracePeriodSeconds: opts.gracePeriodSeconds, nowMs }).grace : 0;
  if (grace === 0 && finalizers.length === 0) return { action: 'remove' };
  md.deletionTimestamp = iso(nowMs + grace * 1000);
  md.deletionGracePeriodSeconds = grace;
  return { action: 'update', object: next };
}
