// One sync of one Deployment, following Kubernetes' deployment controller step by step:
// find/create the new ReplicaSet (moving revisions forward), then either only scale
// (paused, or spec.replicas changed mid-rollout: proportional scaling) or roll out
// (RollingUpdate / Recreate), clean up old history, and publish status. Each write uses
// the object the server returned, so a later write in the same sync never conflicts
// with our own earlier one.

import type { Deployment, Pod, ReplicaSet } from '../../api/types.js';
import { isAlreadyExists } from '../../api/errors.js';
import type { Client } from '../../client/types.js';
import type { Logger } from '../../foundation/logger.js';
import { ownerRefFor } from '../shared/controller-ref.js';
import { controllerRefOf, deepClone, deepEqual } from '../shared/objects.js';
import type { Recorder } from '../shared/types.js';
import {
  availableReplicaCount, maxSurge, maxUnavailable, newRSNewReplicas, proportion, rsReplicas, specReplicaCount,
} from './math.js';
import { calculateStatus, deploymentComplete, getCondition, newCondition, Reasons, rolloutStatus, setCondition } from './status.js';
import {
  byCreation, byRevision, bySizeNewer, bySizeOlder, desiredReplicasAnnotation, equalIgnoreHash, findNewReplicaSet,
  hasProgressDeadline, isActive, isRollingUpdate, maxRevision, POD_TEMPLATE_HASH, REVISION_ANNOTATION, replicasAnnotationsNeedUpdate,
  replicasOf, revisionHistoryLimit, setNewReplicaSetAnnotations, setReplicasAnnotations, templateHash,
} from './util.js';

export interface SyncDeps {
  client: Client;
  recorder: Recorder;
  logger: Logger;
  now(): number;
}

export interface SyncResult {
  /** Look at this Deployment again after this many ms (progress deadline pending). */
  recheckAfterMs?: number;
}

export class DeploymentSync {
  private recheckAfterMs?: number;

  constructor(
    private readonly deps: SyncDeps,
    /** Replaced by the server's answer after each write of the Deployment. */
    private d: Deployment,
    /** ReplicaSets this Deployment owns (after adoption). */
    private readonly rsList: ReplicaSet[],
    /** Pods of those ReplicaSets by ReplicaSet uid (Recreate waits for them to be gone). */
    private readonly podMap: Map<string, Pod[]>,
  ) {}

  async run(): Promise<SyncResult> {
    const d = this.d;
    if (d.metadata.deletionTimestamp) {
      await this.syncStatusOnly();
    } else {
      await this.checkPausedConditions();
      if (this.d.spec.paused) await this.scaleOnly();
      else if (await this.isScalingEvent()) await this.scaleOnly();
      else if (isRollingUpdate(this.d)) await this.rolloutRolling();
      else await this.rolloutRecreate();
    }
    return this.recheckAfterMs === undefined ? {} : { recheckAfterMs: this.recheckAfterMs };
  }

  // ------------------------------------------------------------------ new/old ReplicaSets

  private async getAllReplicaSetsAndSyncRevision(create: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    const existing = findNewReplicaSet(this.d, this.rsList);
    const oldRSs = this.rsList.filter((rs) => rs !== existing);
    const newRS = await this.getNewReplicaSet(existing, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(existing: ReplicaSet | undefined, oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const copy = deepClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(this.d, copy, newRevision, true, 0);
      const minReady = this.d.spec.minReadySeconds ?? 0;
      const minReadyChanged = (copy.spec.minReadySeconds ?? 0) !== minReady;
      let rs = existing;
      if (annotationsChanged || minReadyChanged) {
        copy.spec.minReadySeconds = minReady;
        rs = await this.deps.client.replicasets.update(copy);
        this.replaceInList(existing, rs);
      }
      await this.setDeploymentRevision(rs.metadata.annotations?.[REVISION_ANNOTATION]);
      if (hasProgressDeadline(this.d) && !getCondition(this.d.status, 'Progressing')) {
        await this.writeCondition(newCondition('Progressing', 'True', Reasons.FoundNewReplicaSet, `Found new replica set "${rs.metadata.name}"`, this.deps.now()));
      }
      return rs;
    }
    if (!create) return undefined;

    const collisionCount = this.d.status?.collisionCount ?? 0;
    const hash = templateHash(this.d.spec.template, collisionCount);
    const template = deepClone(this.d.spec.template);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const selector = deepClone(this.d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const name = `${this.d.metadata.name}-${hash}`;
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: this.d.metadata.namespace,
        labels: { ...template.metadata.labels! },
        ownerReferences: [ownerRefFor(this.d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: 0, minReadySeconds: this.d.spec.minReadySeconds ?? 0, selector, template },
    };
    rs.spec.replicas = newRSNewReplicas(this.d, [...oldRSs, rs], rs);
    setNewReplicaSetAnnotations(this.d, rs, newRevision, false, replicasOf(this.d) + maxSurge(this.d));

    let created: ReplicaSet;
    try {
      created = await this.deps.client.replicasets.create(rs);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const other = await this.deps.client.replicasets.get(name, this.d.metadata.namespace);
      const ref = controllerRefOf(other);
      if (ref?.uid === this.d.metadata.uid && equalIgnoreHash(other.spec.template, this.d.spec.template)) {
        // Ours from an earlier sync whose watch event we have not seen yet.
        this.rsList.push(other);
        return other;
      }
      // A different object holds the name: bump collisionCount so the next hash differs.
      const copy = deepClone(this.d);
      copy.status = { ...(copy.status ?? {}), collisionCount: collisionCount + 1 };
      this.d = await this.deps.client.deployments.updateStatus(copy);
      throw new Error(`hash collision for ReplicaSet ${name}; collisionCount now ${collisionCount + 1}`);
    }
    this.rsList.push(created);
    if (rsReplicas(created) > 0) this.scalingEvent('up', created.metadata.name!, rsReplicas(created));
    await this.setDeploymentRevision(created.metadata.annotations?.[REVISION_ANNOTATION]);
    if (hasProgressDeadline(this.d)) {
      await this.writeCondition(newCondition('Progressing', 'True', Reasons.NewReplicaSetCreated, `Created new replica set "${created.metadata.name}"`, this.deps.now()));
    }
    return created;
  }

  private replaceInList(old: ReplicaSet, next: ReplicaSet): void {
    const i = this.rsList.indexOf(old);
    if (i >= 0) this.rsList[i] = next;
  }

  /** The Deployment carries the revision of its current ReplicaSet (kubectl shows it). */
  private async setDeploymentRevision(revision: string | undefined): Promise<void> {
    if (!revision || this.d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return;
    const copy = deepClone(this.d);
    copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), [REVISION_ANNOTATION]: revision };
    this.d = await this.deps.client.deployments.update(copy);
  }

  private async writeCondition(c: ReturnType<typeof newCondition>): Promise<void> {
    const copy = deepClone(this.d);
    copy.status = copy.status ?? {};
    setCondition(copy.status, c);
    if (deepEqual(copy.status, this.d.status)) return;
    this.d = await this.deps.client.deployments.updateStatus(copy);
  }

  // ------------------------------------------------------------------ scaling

  private scalingEvent(direction: 'up' | 'down', rsName: string, to: number): void {
    this.deps.recorder.record(this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${direction} replica set ${rsName} to ${to}`);
  }

  /** Sets spec.replicas and the desired/max annotations; returns the updated object. */
  private async scaleReplicaSet(rs: ReplicaSet, to: number): Promise<ReplicaSet> {
    const desired = replicasOf(this.d);
    const max = desired + maxSurge(this.d);
    const sizeChanged = rsReplicas(rs) !== to;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, max)) return rs;
    const copy = deepClone(rs);
    copy.spec.replicas = to;
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.deps.client.replicasets.update(copy);
    this.replaceInList(rs, updated);
    if (sizeChanged) this.scalingEvent(rsReplicas(rs) > to ? 'down' : 'up', rs.metadata.name!, to);
    return updated;
  }

  private async isScalingEvent(): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    for (const rs of [...oldRSs, newRS].filter(isActive)) {
      const desired = desiredReplicasAnnotation(rs);
      if (desired !== undefined && desired !== replicasOf(this.d)) return true;
    }
    return false;
  }

  /** Paused or resized: no rollout progress, only (proportional) scaling and status. */
  private async scaleOnly(): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    await this.scale(newRS, oldRSs);
    if (this.d.spec.paused) await this.cleanup(this.current(oldRSs));
    const { newRS: n, oldRSs: o } = this.split(newRS);
    await this.writeStatus(calculateStatus([...o, ...(n ? [n] : [])], n, this.d, this.deps.now()));
  }

  /** Kubernetes' scale(): one active RS takes everything; otherwise share the change proportionally. */
  private async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const replicas = replicasOf(this.d);
    const olds = [...oldRSs].sort(byCreation).reverse();
    const active = [...olds, newRS].filter(isActive);
    let target: ReplicaSet | undefined;
    if (active.length === 0) target = newRS ?? olds[0];
    else if (active.length === 1) target = active[0];
    if (target || (!newRS && oldRSs.length === 0)) {
      // Also refreshes stale desired/max annotations at the same size, so a leftover
      // annotation can never keep isScalingEvent() true and block the rollout.
      if (target) await this.scaleReplicaSet(target, replicas);
      return;
    }
    if (newRS && rsReplicas(newRS) === replicas && desiredReplicasAnnotation(newRS) === replicas && (newRS.status?.availableReplicas ?? 0) === replicas) {
      for (const old of oldRSs.filter(isActive)) await this.scaleReplicaSet(old, 0);
      return;
    }
    if (!isRollingUpdate(this.d)) return;
    const all = active;
    const allowed = replicas > 0 ? replicas + maxSurge(this.d) : 0;
    const toAdd = allowed - specReplicaCount(all);
    if (toAdd > 0) all.sort(bySizeNewer);
    else if (toAdd < 0) all.sort(bySizeOlder);
    let added = 0;
    const sizes = new Map<ReplicaSet, number>();
    for (const rs of all) {
      if (toAdd !== 0) {
        const p = proportion(rs, this.d, toAdd, added);
        sizes.set(rs, rsReplicas(rs) + p);
        added += p;
      } else sizes.set(rs, rsReplicas(rs));
    }
    for (let i = 0; i < all.length; i++) {
      const rs = all[i]!;
      if (i === 0 && toAdd !== 0) sizes.set(rs, Math.max(0, sizes.get(rs)! + toAdd - added));
      await this.scaleReplicaSet(rs, sizes.get(rs)!);
    }
  }

  // ------------------------------------------------------------------ strategies

  private async rolloutRolling(): Promise<void> {
    const got = await this.getAllReplicaSetsAndSyncRevision(true);
    let newRS = got.newRS!;
    const oldRSs = got.oldRSs;
    // Scale up the new ReplicaSet as far as maxSurge allows.
    if (rsReplicas(newRS) !== replicasOf(this.d)) {
      const target = rsReplicas(newRS) > replicasOf(this.d) ? replicasOf(this.d) : newRSNewReplicas(this.d, this.rsList, newRS);
      if (target !== rsReplicas(newRS)) {
        newRS = await this.scaleReplicaSet(newRS, target);
        return this.syncRolloutStatus(newRS);
      }
    }
    if (await this.reconcileOldReplicaSets(newRS)) return this.syncRolloutStatus(this.current([newRS])[0]);
    const fresh = this.current([newRS])[0]!;
    if (deploymentComplete(this.d, this.d.status ?? {})) await this.cleanup(this.current(oldRSs));
    await this.syncRolloutStatus(fresh);
  }

  /** Scale old ReplicaSets down without dropping below replicas − maxUnavailable available. */
  private async reconcileOldReplicaSets(newRS: ReplicaSet): Promise<boolean> {
    const oldRSs = () => this.rsList.filter((rs) => rs.metadata.uid !== newRS.metadata.uid);
    if (specReplicaCount(oldRSs()) === 0) return false;
    const all = this.rsList;
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const newUnavailable = rsReplicas(newRS) - Math.min(newRS.status?.availableReplicas ?? 0, rsReplicas(newRS));
    const maxScaledDown = specReplicaCount(all) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // First remove old pods that are not available anyway: that costs no availability.
    let cleaned = 0;
    for (const rs of oldRSs().filter(isActive).sort(byCreation)) {
      if (cleaned >= maxScaledDown) break;
      const avail = Math.min(rs.status?.availableReplicas ?? 0, rsReplicas(rs));
      if (rsReplicas(rs) === avail) continue;
      const n = Math.min(maxScaledDown - cleaned, rsReplicas(rs) - avail);
      await this.scaleReplicaSet(rs, rsReplicas(rs) - n);
      cleaned += n;
    }
    // Then scale down available old pods, oldest ReplicaSet first, while we stay above minAvailable.
    let scaled = 0;
    const available = availableReplicaCount(this.rsList);
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of oldRSs().filter(isActive).sort(byCreation)) {
        if (scaled >= total) break;
        const n = Math.min(rsReplicas(rs), total - scaled);
        await this.scaleReplicaSet(rs, rsReplicas(rs) - n);
        scaled += n;
      }
    }
    return cleaned + scaled > 0;
  }

  private async rolloutRecreate(): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    let scaledDown = false;
    for (const rs of oldRSs.filter(isActive)) {
      await this.scaleReplicaSet(rs, 0);
      scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatus(this.current(newRS ? [newRS] : [])[0]);
    if (this.oldPodsRunning(newRS, this.current(oldRSs))) return this.syncRolloutStatus(newRS);
    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(true));
    if (newRS && rsReplicas(newRS) !== replicasOf(this.d)) newRS = await this.scaleReplicaSet(newRS, replicasOf(this.d));
    if (deploymentComplete(this.d, this.d.status ?? {})) await this.cleanup(this.current(oldRSs));
    await this.syncRolloutStatus(newRS);
  }

  private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
    if (oldRSs.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0) > 0) return true;
    for (const [uid, pods] of this.podMap) {
      if (newRS && newRS.metadata.uid === uid) continue;
      // Terminating pods count too: Recreate promises old and new never run together.
      if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
    }
    return false;
  }

  /** Delete the oldest zero-sized ReplicaSets beyond revisionHistoryLimit. */
  private async cleanup(oldRSs: ReplicaSet[]): Promise<void> {
    const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = alive.length - revisionHistoryLimit(this.d);
    if (diff <= 0) return;
    alive.sort(byRevision);
    for (const rs of alive.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0) continue;
      if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.deps.client.replicasets.delete(rs.metadata.name!, rs.metadata.namespace, { preconditions: { uid: rs.metadata.uid } });
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
      }
    }
  }

  // ------------------------------------------------------------------ status

  private current(rss: ReplicaSet[]): ReplicaSet[] {
    return rss.map((rs) => this.rsList.find((x) => x.metadata.uid === rs.metadata.uid) ?? rs);
  }

  private split(newRS: ReplicaSet | undefined): { newRS?: ReplicaSet; oldRSs: ReplicaSet[] } {
    const n = newRS ? this.rsList.find((x) => x.metadata.uid === newRS.metadata.uid) ?? newRS : undefined;
    return { newRS: n, oldRSs: this.rsList.filter((x) => x !== n) };
  }

  private async syncRolloutStatus(newRS: ReplicaSet | undefined): Promise<void> {
    const { newRS: n, oldRSs } = this.split(newRS);
    const { status, recheckAfterMs } = rolloutStatus([...oldRSs, ...(n ? [n] : [])], n, this.d, this.deps.now());
    if (recheckAfterMs !== undefined) this.recheckAfterMs = recheckAfterMs;
    await this.writeStatus(status);
  }

  private async syncStatusOnly(): Promise<void> {
    const { newRS } = await this.getAllReplicaSetsAndSyncRevision(false);
    const { newRS: n, oldRSs } = this.split(newRS);
    await this.writeStatus(calculateStatus([...oldRSs, ...(n ? [n] : [])], n, this.d, this.deps.now()));
  }

  private async writeStatus(status: Deployment['status']): Promise<void> {
    if (deepEqual(status, this.d.status)) return;
    const copy = deepClone(this.d);
    copy.status = status;
    this.d = await this.deps.client.deployments.updateStatus(copy);
  }

  /** Progressing=Unknown DeploymentPaused / DeploymentResumed, unless a timeout was already reported. */
  private async checkPausedConditions(): Promise<void> {
    if (!hasProgressDeadline(this.d)) return;
    const cond = getCondition(this.d.status, 'Progressing');
    if (cond?.reason === Reasons.ProgressDeadlineExceeded) return;
    const pausedCond = cond?.reason === Reasons.DeploymentPaused;
    if (this.d.spec.paused && !pausedCond) {
      await this.writeCondition(newCondition('Progressing', 'Unknown', Reasons.DeploymentPaused, 'Deployment is paused', this.deps.now()));
    } else if (!this.d.spec.paused && pausedCond) {
      await this.writeCondition(newCondition('Progressing', 'Unknown', Reasons.DeploymentResumed, 'Deployment is resumed', this.deps.now()));
    }
  }
}
