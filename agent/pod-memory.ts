// What the agent remembers about pods between reconciles, in one place. Everything else
// (which containers exist, their state, restart counts) is read from Docker labels on
// every reconcile, so an agent restart loses only this: a crashing container gets one
// immediate retry, a stop in flight is started again, files are compared with the API
// one period later.

import { LifecycleHooks } from './lifecycle-hooks.js';
import { PodOperations } from './pod-operations.js';
import { RestartBackoff } from './restart-backoff.js';

export class PodMemory {
  /**
   * Uids whose termination began. A reconcile working from an older cached copy of the pod
   * (no deletionTimestamp yet) must never create a container for it. Kept until the pod
   * left the cache (the orphan sweep prunes it), not just until its containers are gone.
   */
  readonly terminating = new Set<string>();
  /** Restart backoff per `${uid}/${container}`. */
  readonly backoff: RestartBackoff;
  /** Stops in flight, containers stopped to be replaced. */
  readonly operations = new PodOperations();
  /** uid → when its configMap/secret volume files were last compared with the API (or written). */
  readonly volumesCheckedAt = new Map<string, number>();
  /** postStart hooks in flight, containers whose preStop ran. */
  readonly hooks = new LifecycleHooks();

  constructor(backoff?: RestartBackoff) {
    this.backoff = backoff ?? new RestartBackoff();
  }

  /** The pod's containers are gone: drop what was kept for them (terminating stays, see above). */
  forget(uid: string): void {
    this.backoff.forgetPrefix(`${uid}/`);
    this.operations.forget(uid);
    this.hooks.forget(uid);
    this.volumesCheckedAt.delete(uid);
  }

  /** Forget every pod not in `known` (the pods of the synced cache). */
  prune(known: ReadonlySet<string | undefined>): void {
    for (const uid of this.terminating) if (!known.has(uid)) this.terminating.delete(uid);
    for (const uid of [...this.volumesCheckedAt.keys(), ...this.operations.uids(), ...this.hooks.uids()]) if (!known.has(uid)) this.forget(uid);
  }
}
