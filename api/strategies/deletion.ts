// DELETE semantics, as a pure function of the stored object and the DeleteOptions:
// preconditions, propagation finalizers, graceful pods, finalizer-held objects and
// namespaces (which always wait for the apiserver's cleanup). The apiserver's store
// applies the result inside one compare-and-swap; the fake client applies it to its map.
// Reading DeleteOptions from a request (query and body) is the apiserver's job
// (apiserver/registry/delete-options.ts); checkDeleteOptions is what both sides share.

import { errors, makeStatus, type Status } from '../errors.js';
import { deepClone } from '../meta.js';
import type { ResourceInfo } from '../resources.js';
import { isoSeconds } from '../time.js';
import type { KubeObject } from '../types.js';
import { readyToRemove } from './object-prep.js';
import { strategyFor } from './kinds.js';

export interface DeleteOptionsParsed {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

const POLICIES = new Set(['Background', 'Foreground', 'Orphan']);

/** Namespaces that may never be deleted (403), as in Kubernetes. */
export const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export function checkDeletable(resource: Pick<ResourceInfo, 'plural'>, name: string): void {
  if (resource.plural === 'namespaces' && PROTECTED_NAMESPACES.has(name)) throw errors.forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
}

/**
 * The DeleteOptions every DELETE ends up with: an unknown propagationPolicy is a 400,
 * and a negative grace period means "now" (Kubernetes' API machinery clamps it to 1
 * for pods; orch treats anything below 1 as immediate, the explicit force-delete).
 */
export function checkDeleteOptions(opts: DeleteOptionsParsed): DeleteOptionsParsed {
  if (opts.propagationPolicy !== undefined && !POLICIES.has(opts.propagationPolicy))
    throw errors.badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(opts.propagationPolicy)}: supported values: "Background", "Foreground", "Orphan"`);
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 0;
  return opts;
}

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


/**
 * What DELETE answers: pods come back as the object (as Kubernetes does); other kinds as
 * a Success Status once removed, or as the object while finalizers or grace keep it.
 */
export function deleteAnswer(resource: ResourceInfo, object: KubeObject, removed: boolean): KubeObject | Status {
  return removed && resource.plural !== 'pods' ? deletedStatus(resource, object) : object;
}

/** The Status Kubernetes returns when DELETE removed an object right away. */
export function deletedStatus(r: ResourceInfo, obj: KubeObject): Status {
  const s = makeStatus(200, 'Unknown', '', { name: obj.metadata.name, group: r.group, kind: r.plural, uid: obj.metadata.uid });
  s.status = 'Success';
  delete s.reason;
  delete s.message;
  return s;
}
