// Garbage collector: deletes dependents whose owners are gone, and carries out the
// foreground and orphan deletion modes the apiserver starts by adding a finalizer.
//
// - A dependent with no live owner left (every ownerReference 404s or points at another
//   uid) is deleted in the background. "Gone" is confirmed by a live GET when the cache
//   does not know the owner: informers of different kinds lag independently, so a pod
//   may show up before its freshly created ReplicaSet does.
// - An owner with finalizer `foregroundDeletion` gets its dependents deleted (those that
//   own things themselves in the foreground too, so the chain blocks correctly); once no
//   dependent with blockOwnerDeletion remains, the finalizer is removed and the
//   apiserver deletes the owner.
// - An owner with finalizer `orphan` has its ownerReference removed from every dependent,
//   then the finalizer removed.
// It is generic over the resources it is given informers for.

import type { KubeObject, OwnerReference } from '../../api/types.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import { resourceForKind, type ResourceInfo } from '../../api/resources.js';
import type { Client, ResourceClient } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import { done, type Result } from '../../client/reconcile-loop.js';
import { releasePatch } from '../shared/controller-ref.js';
import { keyOf } from '../shared/objects.js';
import type { Controller, InformerView, QueueView } from '../shared/types.js';
import type { CustomOwnerLookup } from './custom-owners.js';

export const FOREGROUND = 'foregroundDeletion';
export const ORPHAN = 'orphan';
const OWNER_UID_INDEX = 'gc-owner-uid';

export interface WatchedResource {
  info: ResourceInfo;
  informer: InformerView<KubeObject>;
}

export interface GarbageCollectorDeps {
  client: Client;
  resources: WatchedResource[];
  clock: Clock;
  logger: Logger;
  /** Where handlers add keys (the manager's work queue; a recording one in unit tests). */
  queue: QueueView;
  /** Owners of kinds outside `resources` (custom resources, custom-owners.ts); without it such owners always count as present. */
  customOwners?: CustomOwnerLookup;
}

type OwnerState = 'solid' | 'dangling' | 'waiting';

export class GarbageCollector implements Controller {
  readonly name = 'garbagecollector';
  private readonly queue: QueueView;
  private readonly byPlural = new Map<string, WatchedResource>();

  constructor(private readonly deps: GarbageCollectorDeps) {
    this.queue = deps.queue;
    for (const w of deps.resources) {
      this.byPlural.set(w.info.plural, w);
      w.informer.addIndex(OWNER_UID_INDEX, (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid));
      const enqueue = (o: KubeObject) => this.queue.add(`${w.info.plural}|${keyOf(o)}`);
      w.informer.addEventHandler({
        onAdd: (o) => {
          if (o.metadata.ownerReferences?.length || o.metadata.deletionTimestamp) enqueue(o);
        },
        onUpdate: (old, o) => {
          if (old.metadata.resourceVersion === o.metadata.resourceVersion) return;
          if (o.metadata.deletionTimestamp || o.metadata.ownerReferences?.length) enqueue(o);
        },
        onDelete: (o) => {
          // Its dependents may now be dangling; its owners waiting in foreground may be unblocked.
          for (const d of this.dependentsOf(o.metadata.uid!)) this.queue.add(`${d.plural}|${keyOf(d.obj)}`);
          for (const ref of o.metadata.ownerReferences ?? []) {
            const owner = this.cachedOwner(o.metadata.namespace, ref);
            if (owner) this.queue.add(`${owner.plural}|${keyOf(owner.obj)}`);
          }
        },
      });
    }
  }

  /** An owner outside our informers was deleted (custom-owners.ts): look at its dependents again. */
  ownerDeleted(uid: string): void {
    for (const d of this.dependentsOf(uid)) this.queue.add(`${d.plural}|${keyOf(d.obj)}`);
  }

  private dependentsOf(uid: string): Array<{ plural: string; obj: KubeObject }> {
    const out: Array<{ plural: string; obj: KubeObject }> = [];
    for (const w of this.deps.resources) for (const obj of w.informer.byIndex(OWNER_UID_INDEX, uid)) out.push({ plural: w.info.plural, obj });
    return out;
  }

  /** The owner from our caches, by name and only if the uid matches (no extra index: memory). */
  private cachedOwner(ns: string | undefined, ref: OwnerReference): { plural: string; obj: KubeObject } | undefined {
    const info = resourceForKind(ref.apiVersion, ref.kind);
    const w = info && this.byPlural.get(info.plural);
    if (!w) return undefined;
    const obj = w.informer.get(w.info.namespaced ? `${ns ?? ''}/${ref.name}` : ref.name);
    return obj && obj.metadata.uid === ref.uid ? { plural: w.info.plural, obj } : undefined;
  }

  private rc(plural: string): ResourceClient<KubeObject> {
    return this.deps.client.resource(plural);
  }

  async reconcile(item: string): Promise<Result> {
    const [plural, key] = item.split('|') as [string, string];
    const w = this.byPlural.get(plural);
    const obj = w?.informer.get(key);
    if (!w || !obj) return done;
    const fin = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp && fin.includes(ORPHAN)) await this.orphanDependents(plural, obj);
    else if (obj.metadata.deletionTimestamp && fin.includes(FOREGROUND)) await this.deleteDependentsInForeground(plural, obj);
    if (obj.metadata.ownerReferences?.length) await this.attemptToDelete(plural, obj);
    // Everything that could change the answer (an owner or dependent going away) enqueues again.
    return done;
  }

  /** Owner state from the cache, confirmed with a live GET when the cache has no such owner. */
  private async ownerState(ns: string | undefined, ref: OwnerReference): Promise<OwnerState> {
    const cached = this.cachedOwner(ns, ref);
    let owner = cached?.obj;
    if (!owner) {
      const info = resourceForKind(ref.apiVersion, ref.kind);
      if (!info) {
        // A custom kind: looked up through discovery; a kind nobody serves never counts as gone.
        const custom = await this.deps.customOwners?.get(ns, ref);
        if (custom === undefined) return 'solid';
        if (custom === null || custom.metadata.uid !== ref.uid) return 'dangling';
        return custom.metadata.deletionTimestamp && custom.metadata.finalizers?.includes(FOREGROUND) ? 'waiting' : 'solid';
      }
      try {
        owner = await this.rc(info.plural).get(ref.name, info.namespaced ? ns : undefined);
      } catch (err) {
        if (isNotFound(err)) return 'dangling';
        throw err;
      }
      if (owner.metadata.uid !== ref.uid) return 'dangling';
    }
    if (owner.metadata.deletionTimestamp && owner.metadata.finalizers?.includes(FOREGROUND)) return 'waiting';
    return 'solid';
  }

  private async attemptToDelete(plural: string, obj: KubeObject): Promise<void> {
    if (obj.metadata.deletionTimestamp) return;
    const refs = obj.metadata.ownerReferences ?? [];
    const states = await Promise.all(refs.map((r) => this.ownerState(obj.metadata.namespace, r)));
    const solid = states.filter((s) => s === 'solid').length;
    const gone = refs.filter((_r, i) => states[i] !== 'solid');
    if (gone.length === 0) return;
    if (solid > 0) {
      // Someone still owns it: only forget the owners that are gone or going.
      let patch: unknown[] = [];
      let cur = obj;
      for (const r of gone) {
        patch = releasePatch(cur, r.uid);
        cur = { ...cur, metadata: { ...cur.metadata, ownerReferences: (cur.metadata.ownerReferences ?? []).filter((x) => x.uid !== r.uid) } };
      }
      await this.tolerate(this.rc(plural).patch(obj.metadata.name!, obj.metadata.namespace, patch, 'json'));
      return;
    }
    // Only owners being deleted in the foreground: their own processing deletes us.
    if (!states.includes('dangling')) return;
    const waiting = states.includes('waiting');
    const hasDependents = this.dependentsOf(obj.metadata.uid!).length > 0;
    const policy = waiting && hasDependents ? 'Foreground' : 'Background';
    this.deps.logger.debug({ resource: plural, key: keyOf(obj), policy }, 'deleting object whose owners are gone');
    await this.tolerate(this.rc(plural).delete(obj.metadata.name!, obj.metadata.namespace, { propagationPolicy: policy, preconditions: { uid: obj.metadata.uid } }));
  }

  private async orphanDependents(plural: string, owner: KubeObject): Promise<void> {
    for (const d of this.dependentsOf(owner.metadata.uid!)) {
      await this.tolerate(this.rc(d.plural).patch(d.obj.metadata.name!, d.obj.metadata.namespace, releasePatch(d.obj, owner.metadata.uid!), 'json'));
    }
    await this.removeFinalizer(plural, owner, ORPHAN);
  }

  private async deleteDependentsInForeground(plural: string, owner: KubeObject): Promise<void> {
    const deps = this.dependentsOf(owner.metadata.uid!);
    let blocking = 0;
    for (const d of deps) {
      const ref = d.obj.metadata.ownerReferences?.find((r) => r.uid === owner.metadata.uid);
      if (ref?.blockOwnerDeletion) blocking++;
      if (d.obj.metadata.deletionTimestamp) continue;
      const others = (d.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
      if (others.length > 0) {
        // Kept alive by another owner: just unlink it from this one.
        await this.tolerate(this.rc(d.plural).patch(d.obj.metadata.name!, d.obj.metadata.namespace, releasePatch(d.obj, owner.metadata.uid!), 'json'));
        if (ref?.blockOwnerDeletion) blocking--;
        continue;
      }
      const policy = this.dependentsOf(d.obj.metadata.uid!).length > 0 ? 'Foreground' : 'Background';
      await this.tolerate(this.rc(d.plural).delete(d.obj.metadata.name!, d.obj.metadata.namespace, { propagationPolicy: policy, preconditions: { uid: d.obj.metadata.uid } }));
    }
    // Blocking dependents still exist (maybe terminating): their deletion events bring us back.
    if (blocking === 0) await this.removeFinalizer(plural, owner, FOREGROUND);
  }

  private async removeFinalizer(plural: string, owner: KubeObject, finalizer: string): Promise<void> {
    const rc = this.rc(plural);
    for (let attempt = 0; attempt < 5; attempt++) {
      let fresh: KubeObject;
      try {
        fresh = await rc.get(owner.metadata.name!, owner.metadata.namespace);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (fresh.metadata.uid !== owner.metadata.uid || !fresh.metadata.finalizers?.includes(finalizer)) return;
      fresh.metadata.finalizers = fresh.metadata.finalizers.filter((f) => f !== finalizer);
      try {
        await rc.update(fresh);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
    throw new Error(`could not remove finalizer ${finalizer} from ${plural} ${keyOf(owner)}: conflicts`);
  }

  private async tolerate<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === 404 || code === 409 || code === 422) return undefined;
      throw err;
    }
  }
}
