// StatefulSet controller (Kubernetes' pkg/controller/statefulset, written anew). Handlers
// only enqueue (a pod or revision → its owning set; an orphan pod or a claim → the sets
// whose selector matches it). reconcile(key):
//   1. claim the set's pods (matching selector AND named NAME-ORDINAL) and revisions
//   2. the current and update revisions (revision.ts)
//   3. the next steps (plan.ts): create pods with their claims (claims first, a claim
//      being deleted blocks its pod), delete failed, condemned and outdated pods
//   4. claim owner references per persistentVolumeClaimRetentionPolicy (claims.ts)
//   5. old revisions beyond revisionHistoryLimit deleted; status through /status.
// No expectations are needed: pod names are fixed, so a create the cache has not shown
// yet fails with AlreadyExists instead of making a second pod (as upstream relies on).

import type { ControllerRevision } from '../../api/daemonset-types.js';
import { isAlreadyExists, isNotFound } from '../../api/errors.js';
import type { StatefulSet } from '../../api/statefulset-types.js';
import type { PersistentVolumeClaim } from '../../api/storage/types.js';
import type { Pod } from '../../api/types.js';
import { done, requeueAfter, type Result } from '../../client/reconcile-loop.js';
import type { Client, ResourceClient } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import { scaledValue } from '../deployment/math.js';
import { RevisionHistory } from '../history/history-client.js';
import { claimObjects, freshOwnerCheck } from '../shared/claim.js';
import { ownerRefFor } from '../shared/controller-ref.js';
import { cachedController, controllerRefOf, deepClone, deepEqual, isEmptySelector, keyOf, selectorMatches } from '../shared/objects.js';
import { ensureNamespaceIndex, NAMESPACE_INDEX, type Controller, type InformerView, type QueueView, type Recorder } from '../shared/types.js';
import { claimOwnerRefs } from './claims.js';
import { claimsFor, isMemberOf, newStatefulPod, parseOrdinal, podRevision } from './identity.js';
import { planStatefulSet, type Action } from './plan.js';
import { setRevisions, templateOf, type SetRevisions } from './revision.js';
import { computeStatus } from './status.js';

const API_VERSION = 'apps/v1';
const KIND = 'StatefulSet';
/** A claim being deleted blocks its pod: look again after this long (its deletion also enqueues). */
const CLAIM_WAIT_MS = 1000;

export interface StatefulSetControllerDeps {
  client: Client;
  statefulSets: InformerView<StatefulSet>;
  revisions: InformerView<ControllerRevision>;
  pods: InformerView<Pod>;
  claims: InformerView<PersistentVolumeClaim>;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  queue: QueueView;
}

export class StatefulSetController implements Controller {
  readonly name = 'statefulset';
  private readonly stsClient: ResourceClient<StatefulSet>;
  private readonly claimClient: ResourceClient<PersistentVolumeClaim>;
  private readonly history: RevisionHistory;

  constructor(private readonly deps: StatefulSetControllerDeps) {
    this.stsClient = deps.client.resource<StatefulSet>('statefulsets');
    this.claimClient = deps.client.resource<PersistentVolumeClaim>('persistentvolumeclaims');
    this.history = new RevisionHistory(deps.client.resource<ControllerRevision>('controllerrevisions'));
    for (const inf of [deps.pods, deps.statefulSets, deps.revisions, deps.claims] as InformerView<never>[]) ensureNamespaceIndex(inf);
    const q = deps.queue;
    deps.statefulSets.addEventHandler({ onAdd: (s) => q.add(keyOf(s)), onUpdate: (_o, s) => q.add(keyOf(s)), onDelete: (s) => q.add(keyOf(s)) });
    const dependent = (o: Pod | ControllerRevision) => this.enqueueFor(o);
    deps.pods.addEventHandler({
      onAdd: dependent,
      onUpdate: (o, p) => {
        if (o.metadata.resourceVersion === p.metadata.resourceVersion) return;
        if (!deepEqual(o.metadata.labels, p.metadata.labels)) this.enqueueMatching(o);
        dependent(p);
      },
      onDelete: dependent,
    });
    deps.revisions.addEventHandler({ onAdd: dependent, onUpdate: (_o, r) => dependent(r), onDelete: dependent });
    const claim = (c: PersistentVolumeClaim) => this.enqueueMatching(c);
    deps.claims.addEventHandler({ onAdd: claim, onUpdate: (_o, c) => claim(c), onDelete: claim });
  }

  private enqueueFor(o: Pod | ControllerRevision): void {
    const owner = cachedController(o, KIND, this.deps.statefulSets);
    if (owner) this.deps.queue.add(keyOf(owner));
    else if (!controllerRefOf(o)) this.enqueueMatching(o);
  }

  private enqueueMatching(o: Pod | ControllerRevision | PersistentVolumeClaim): void {
    for (const s of this.deps.statefulSets.byIndex(NAMESPACE_INDEX, o.metadata.namespace ?? '')) {
      if (!isEmptySelector(s.spec.selector) && selectorMatches(s.spec.selector, o.metadata.labels)) this.deps.queue.add(keyOf(s));
    }
  }

  async reconcile(key: string): Promise<Result> {
    const cached = this.deps.statefulSets.get(key);
    if (!cached) return done;
    const sts = deepClone(cached);
    if (isEmptySelector(sts.spec.selector)) return done;
    const ns = sts.metadata.namespace ?? '';
    const ownerCheck = freshOwnerCheck(this.stsClient, sts);
    const pods = await this.claimPods(sts, ownerCheck);
    const revisions = await this.history.claim(sts, API_VERSION, KIND, sts.spec.selector, this.deps.revisions.byIndex(NAMESPACE_INDEX, ns), ownerCheck);
    if (sts.metadata.deletionTimestamp) return done;

    const revs = await setRevisions(this.history, sts, revisions);
    const byOrdinal = new Map<number, Pod>();
    for (const p of pods) byOrdinal.set(parseOrdinal(p.metadata.name)!.ordinal, p);
    const replicas = sts.spec.replicas ?? 1;
    const strategy = sts.spec.updateStrategy?.type ?? 'RollingUpdate';
    const ru = sts.spec.updateStrategy?.rollingUpdate;
    const now = this.deps.clock.now();
    const plan = planStatefulSet({
      replicas,
      pods: byOrdinal,
      monotonic: (sts.spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady',
      strategy,
      partition: strategy === 'RollingUpdate' ? (ru?.partition ?? 0) : 0,
      maxUnavailable: strategy === 'RollingUpdate' && ru?.maxUnavailable !== undefined ? Math.max(1, scaledValue(ru.maxUnavailable, replicas, false, '1')) : undefined,
      updateRevision: revs.update.metadata.name!,
      minReadySeconds: sts.spec.minReadySeconds ?? 0,
      now,
    });
    await this.syncClaimOwners(sts, byOrdinal, replicas);
    let blocked = false;
    for (const a of plan.actions) {
      if (!(await this.act(sts, a, revs))) {
        blocked = true;
        break;
      }
    }
    const live = new Set([revs.current.metadata.name, revs.update.metadata.name, ...pods.map(podRevision)].filter((x): x is string => !!x));
    await this.history.truncate(revs.all, live, revs.update.metadata.name, sts.spec.revisionHistoryLimit ?? 10);
    await this.publishStatus(sts, pods, revs, now);
    if (blocked) return requeueAfter(CLAIM_WAIT_MS);
    return plan.recheckMs !== undefined ? requeueAfter(plan.recheckMs + 10) : done;
  }

  /** Pods the set controls or may adopt: matching its selector and named after it. */
  private claimPods(sts: StatefulSet, ownerCheck: () => Promise<boolean>): Promise<Pod[]> {
    const candidates = this.deps.pods
      .byIndex(NAMESPACE_INDEX, sts.metadata.namespace ?? '')
      .filter((p) => isMemberOf(sts, p) && (controllerRefOf(p)?.uid === sts.metadata.uid || !controllerRefOf(p)));
    return claimObjects({ owner: sts, ownerRef: ownerRefFor(sts, API_VERSION, KIND), selector: sts.spec.selector, candidates, rc: this.deps.client.pods, ownerStillExists: ownerCheck });
  }

  private cachedClaim(name: string, ns: string): PersistentVolumeClaim | undefined {
    return this.deps.claims.get(`${ns}/${name}`);
  }

  /** One step of the plan; false when it must wait (a claim still being deleted). */
  private async act(sts: StatefulSet, a: Action, revs: SetRevisions): Promise<boolean> {
    const ns = sts.metadata.namespace!;
    const setName = sts.metadata.name!;
    if (a.type === 'create') {
      for (const claim of claimsFor(sts, a.ordinal)) {
        const existing = this.cachedClaim(claim.metadata.name!, ns);
        if (existing?.metadata.deletionTimestamp) return false;
        if (existing) continue;
        const refs = claimOwnerRefs(claim, sts, undefined, true);
        if (refs?.length) claim.metadata.ownerReferences = refs;
        try {
          await this.claimClient.create(claim);
          this.deps.recorder.record(sts, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${setName}-${a.ordinal} in StatefulSet ${setName} success`);
        } catch (err) {
          if (isAlreadyExists(err)) continue;
          this.deps.recorder.record(sts, 'Warning', 'FailedCreate', `create Claim ${claim.metadata.name} for Pod ${setName}-${a.ordinal} in StatefulSet ${setName} failed error: ${(err as Error).message}`);
          throw err;
        }
      }
      const rev = a.revision === 'current' ? revs.current : revs.update;
      const pod = newStatefulPod(sts, a.ordinal, templateOf(rev), rev.metadata.name!, ownerRefFor(sts, API_VERSION, KIND));
      try {
        await this.deps.client.pods.create(pod);
        this.deps.recorder.record(sts, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${setName} successful`);
      } catch (err) {
        // The cache has not shown our own create yet: the next event brings the pod.
        if (isAlreadyExists(err)) return true;
        this.deps.recorder.record(sts, 'Warning', 'FailedCreate', `create Pod ${pod.metadata.name} in StatefulSet ${setName} failed error: ${(err as Error).message}`);
        throw err;
      }
      return true;
    }
    // A scaled-away pod's claims pass to the pod first when whenScaled is Delete.
    if (a.reason === 'condemned') {
      for (const claim of claimsFor(sts, a.ordinal)) {
        const existing = this.cachedClaim(claim.metadata.name!, ns);
        const refs = existing && claimOwnerRefs(existing, sts, a.pod, false);
        if (existing && refs) await this.setClaimOwners(existing, refs);
      }
    }
    try {
      await this.deps.client.pods.delete(a.pod.metadata.name!, ns, { preconditions: { uid: a.pod.metadata.uid } });
      this.deps.recorder.record(sts, 'Normal', 'SuccessfulDelete', `delete Pod ${a.pod.metadata.name} in StatefulSet ${setName} successful`);
    } catch (err) {
      if (isNotFound(err)) return true;
      this.deps.recorder.record(sts, 'Warning', 'FailedDelete', `delete Pod ${a.pod.metadata.name} in StatefulSet ${setName} failed error: ${(err as Error).message}`);
      throw err;
    }
    return true;
  }

  /** Claims of the pods in range get the owners the retention policy asks for. */
  private async syncClaimOwners(sts: StatefulSet, byOrdinal: ReadonlyMap<number, Pod>, replicas: number): Promise<void> {
    if (!sts.spec.volumeClaimTemplates?.length) return;
    for (const [ord, pod] of byOrdinal) {
      if (ord >= replicas || pod.metadata.deletionTimestamp) continue;
      for (const c of claimsFor(sts, ord)) {
        const existing = this.cachedClaim(c.metadata.name!, sts.metadata.namespace!);
        if (!existing || existing.metadata.deletionTimestamp) continue;
        const refs = claimOwnerRefs(existing, sts, pod, true);
        if (refs) await this.setClaimOwners(existing, refs);
      }
    }
  }

  private async setClaimOwners(claim: PersistentVolumeClaim, refs: PersistentVolumeClaim['metadata']['ownerReferences']): Promise<void> {
    try {
      await this.claimClient.patch(claim.metadata.name!, claim.metadata.namespace, { metadata: { resourceVersion: claim.metadata.resourceVersion, ownerReferences: refs ?? null } }, 'merge');
    } catch (err) {
      // Gone or changed meanwhile: its event enqueues the set again.
      if (!isNotFound(err) && (err as { code?: number }).code !== 409) throw err;
    }
  }

  private async publishStatus(sts: StatefulSet, pods: Pod[], revs: SetRevisions, now: number): Promise<void> {
    const status = computeStatus({ sts, pods, currentRevision: revs.current.metadata.name!, updateRevision: revs.update.metadata.name!, collisionCount: revs.collisionCount, now });
    if (deepEqual(status, sts.status)) return;
    const copy = deepClone(sts);
    copy.status = status;
    try {
      await this.stsClient.updateStatus(copy);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
