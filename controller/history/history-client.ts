// The writes of revision history (Kubernetes' controller/history realHistory): create a
// revision, resolving hash collisions; renumber one; adopt orphans the parent's selector
// matches; delete the oldest beyond the parent's revisionHistoryLimit. Shared by the
// DaemonSet controller and (next) the StatefulSet controller.

import type { ControllerRevision } from '../../api/daemonset-types.js';
import { isAlreadyExists, isNotFound } from '../../api/errors.js';
import type { KubeObject, LabelSelector } from '../../api/types.js';
import type { ResourceClient } from '../../client/types.js';
import { claimObjects } from '../shared/claim.js';
import { ownerRefFor } from '../shared/controller-ref.js';
import { controllerRefOf, deepEqual } from '../shared/objects.js';
import { newControllerRevision, revisionsToTruncate, type NewRevisionOptions } from './revisions.js';

/** Give up after this many collisions in a row (the hash space is large: it means a bug). */
const MAX_COLLISIONS = 16;

export class RevisionHistory {
  constructor(private readonly rc: ResourceClient<ControllerRevision>) {}

  /**
   * Creates the revision. A same-named revision with the same data and parent is the
   * one we wanted (a create whose answer we lost); another one is a hash collision:
   * the collision count goes up and changes the name. Returns the revision and the
   * collision count used (the parent publishes it in status.collisionCount).
   */
  async create(o: NewRevisionOptions): Promise<{ revision: ControllerRevision; collisionCount: number }> {
    let collisionCount = o.collisionCount ?? 0;
    for (let i = 0; i < MAX_COLLISIONS; i++) {
      const cr = newControllerRevision({ ...o, collisionCount });
      try {
        return { revision: await this.rc.create(cr), collisionCount };
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const existing = await this.rc.get(cr.metadata.name!, cr.metadata.namespace);
        if (controllerRefOf(existing)?.uid === o.parent.metadata.uid && deepEqual(existing.data, cr.data)) return { revision: existing, collisionCount };
        collisionCount++;
      }
    }
    throw new Error(`${o.parentKind} ${o.parent.metadata.namespace}/${o.parent.metadata.name}: ${MAX_COLLISIONS} revision name collisions in a row`);
  }

  /** Sets a revision's number (an old state that became current again gets the next number). */
  async renumber(cr: ControllerRevision, revision: number): Promise<ControllerRevision> {
    if (cr.revision === revision) return cr;
    return this.rc.patch(cr.metadata.name!, cr.metadata.namespace, { metadata: { resourceVersion: cr.metadata.resourceVersion }, revision }, 'merge');
  }

  /** The parent's revisions among `candidates`, after adopting matching orphans and releasing non-matching ones. */
  claim(parent: KubeObject, parentApiVersion: string, parentKind: string, selector: LabelSelector, candidates: readonly ControllerRevision[], ownerStillExists: () => Promise<boolean>): Promise<ControllerRevision[]> {
    return claimObjects({ owner: parent, ownerRef: ownerRefFor(parent, parentApiVersion, parentKind), selector, candidates, rc: this.rc, ownerStillExists });
  }

  /** Deletes the oldest revisions beyond `limit`, never the current one nor those pods still run. */
  async truncate(revisions: readonly ControllerRevision[], live: ReadonlySet<string>, currentName: string | undefined, limit: number): Promise<number> {
    const victims = revisionsToTruncate(revisions, live, currentName, limit);
    for (const r of victims) {
      try {
        await this.rc.delete(r.metadata.name!, r.metadata.namespace, { preconditions: { uid: r.metadata.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return victims.length;
  }

  /** Deletes a revision (a duplicate of the current state). */
  async delete(cr: ControllerRevision): Promise<void> {
    try {
      await this.rc.delete(cr.metadata.name!, cr.metadata.namespace, { preconditions: { uid: cr.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
