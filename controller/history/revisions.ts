// Revision history in ControllerRevisions (apps/v1), as Kubernetes' controller/history
// package keeps it for DaemonSets and StatefulSets: a revision is an immutable snapshot
// (`data`, for these workloads a patch that restores the pod template) named
// `<parent>-<hash>`, labelled with the hash (`controller-revision-hash`) and owned by its
// parent; `revision` numbers grow by one per new state. Pure helpers here; the writes
// (create with hash-collision handling, renumber, truncate) are in history-client.ts.

import type { ControllerRevision } from '../../api/daemonset-types.js';
import type { KubeObject } from '../../api/types.js';
import { creationMs, deepEqual, shortHash } from '../shared/objects.js';
import { ownerRefFor } from '../shared/controller-ref.js';

/** The label on revisions and on the pods made from them (Kubernetes' name). */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

/** Hash of a revision's data and the collision count (the count changes the name after a collision). */
export function hashRevision(data: unknown, collisionCount?: number): string {
  return shortHash(collisionCount ? { data, collisionCount } : data);
}

/** `<prefix>-<hash>`, the prefix cut so the name stays a valid object name (253 characters). */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.slice(0, 223)}-${hash}`;
}

export interface NewRevisionOptions {
  parent: KubeObject;
  parentApiVersion: string;
  parentKind: string;
  /** The template's labels: a revision is selected by the parent's selector like its pods. */
  templateLabels: Record<string, string> | undefined;
  data: unknown;
  revision: number;
  collisionCount?: number;
}

export function newControllerRevision(o: NewRevisionOptions): ControllerRevision {
  const hash = hashRevision(o.data, o.collisionCount);
  const annotations = { ...(o.parent.metadata.annotations ?? {}) };
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(o.parent.metadata.name!, hash),
      namespace: o.parent.metadata.namespace,
      labels: { ...(o.templateLabels ?? {}), [CONTROLLER_REVISION_HASH]: hash },
      // The parent's annotations (kubernetes.io/change-cause) are what `rollout history` shows.
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [ownerRefFor(o.parent, o.parentApiVersion, o.parentKind)],
    },
    data: o.data,
    revision: o.revision,
  };
}

/** Oldest revision first; ties by creation, then name (Kubernetes' byRevision). */
export function byRevision(a: ControllerRevision, b: ControllerRevision): number {
  const d = (a.revision ?? 0) - (b.revision ?? 0);
  if (d !== 0) return d;
  const c = creationMs(a) - creationMs(b);
  return c !== 0 ? c : (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

export function maxRevision(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);
}

/** Revisions whose data equals `data` (several after a collision or a lost update), oldest first. */
export function equalRevisions(revisions: readonly ControllerRevision[], data: unknown): ControllerRevision[] {
  return revisions.filter((r) => deepEqual(r.data, data)).sort(byRevision);
}

/**
 * The revisions to delete so that at most `limit` remain besides the current one and
 * those still in use (`live`: names of revisions some pod runs): oldest first.
 */
export function revisionsToTruncate(revisions: readonly ControllerRevision[], live: ReadonlySet<string>, currentName: string | undefined, limit: number): ControllerRevision[] {
  const old = revisions.filter((r) => r.metadata.name !== currentName && !live.has(r.metadata.name ?? '')).sort(byRevision);
  const excess = old.length - Math.max(0, limit);
  return excess > 0 ? old.slice(0, excess) : [];
}
