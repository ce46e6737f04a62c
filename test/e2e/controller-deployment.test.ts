// Deployment / ReplicaSet controllers against a real apiserver + etcd.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Deployment, Pod, ReplicaSet } from '../../api/types.js';
import { deployment, rolledOut, startHarness, waitFor, type Harness } from './controller-helpers.js';

const isActive = (p: Pod) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded';
const isReady = (p: Pod) => isActive(p) && !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const imageOf = (p: Pod) => p.spec.containers[0]!.image;

describe('deployment controller (real apiserver)', () => {
  let h: Harness;
  /** While set, pods of this image stay unready (a rollout that is held mid-way). */
  let holdImage: string | undefined;
  beforeEach(async () => {
    holdImage = undefined;
    h = await startHarness({ standIn: { ready: (p) => !imageOf(p).startsWith('bad') && imageOf(p) !== holdImage } });
  });
  afterEach(async () => {
    await h?.stop();
  });

  const get = () => h.client.deployments.get('web', 'default');
  const pods = async () => (await h.client.pods.list({ namespace: 'default', labelSelector: 'app=web' })).items;
  const update = async (fn: (d: Deployment) => void) => {
    for (;;) {
      const d = await get();
      fn(d);
      try {
        return await h.client.deployments.update(d);
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
    }
  };
  const waitRolledOut = (what: string, timeoutMs = 40_000) => waitFor(what, async () => rolledOut(await get()), timeoutMs);

  it('creates, scales up and scales down, and reports kubectl-compatible status', async () => {
    await h.client.deployments.create(deployment('web', 3, 'web:1'));
    await waitRolledOut('3 replicas');
    expect((await pods()).filter(isReady)).toHaveLength(3);
    const d = await get();
    expect(d.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: d.metadata.generation });
    expect(d.status!.conditions!.find((c) => c.type === 'Available')!.status).toBe('True');
    await waitFor('NewReplicaSetAvailable', async () => (await get()).status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable');
    const p0 = (await pods())[0]!;
    expect(p0.metadata.name).toMatch(/^web-[a-z0-9]+-[a-z0-9]+$/);
    expect(p0.metadata.ownerReferences![0]).toMatchObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet', controller: true, blockOwnerDeletion: true });

    await waitFor('events', async () => {
      const evs = (await h.client.events.list({ namespace: 'default' })).items;
      const scaling = evs.find((e) => e.reason === 'ScalingReplicaSet');
      const created = evs.find((e) => e.reason === 'SuccessfulCreate');
      return (
        scaling?.involvedObject.kind === 'Deployment' &&
        /^Scaled up replica set web-\w+ to 3$/.test(scaling.message ?? '') &&
        created?.involvedObject.kind === 'ReplicaSet' &&
        /^Created pod: web-\w+-\w+$/.test(created.message ?? '')
      );
    });
    await update((x) => (x.spec.replicas = 6));
    await waitFor('6 ready pods', async () => (await pods()).filter(isReady).length === 6 && rolledOut(await get()));
    await update((x) => (x.spec.replicas = 2));
    await waitFor('2 pods left', async () => (await pods()).length === 2 && rolledOut(await get()));
    expect((await get()).status).toMatchObject({ replicas: 2, availableReplicas: 2 });
  });

  it('RollingUpdate never exceeds replicas+maxSurge pods nor drops below replicas-maxUnavailable available (checked at every watch event)', async () => {
    const replicas = 6;
    await h.client.deployments.create(deployment('web', replicas, 'web:1', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } } }));
    await waitRolledOut('initial rollout');
    const list = await h.client.pods.list({ namespace: 'default' });
    const state = new Map<string, Pod>(list.items.map((p) => [p.metadata.name!, p]));
    const violations: string[] = [];
    let events = 0;
    const watch = h.client.pods.watch({ namespace: 'default', resourceVersion: list.metadata.resourceVersion });
    const watching = (async () => {
      for await (const ev of watch) {
        if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') continue;
        events++;
        if (ev.type === 'DELETED') state.delete(ev.object.metadata.name!);
        else state.set(ev.object.metadata.name!, ev.object);
        const all = [...state.values()];
        const active = all.filter(isActive).length;
        const ready = all.filter(isReady).length;
        if (active > replicas + 2) violations.push(`event ${events}: ${active} active pods`);
        if (ready < replicas - 1) violations.push(`event ${events}: only ${ready} available`);
      }
    })();
    await update((d) => (d.spec.template.spec.containers[0]!.image = 'web:2'));
    await waitFor('rollout to web:2', async () => rolledOut(await get()) && (await pods()).every((p) => imageOf(p) === 'web:2'), 60_000);
    watch.stop();
    await watching;
    expect(events).toBeGreaterThan(replicas * 2);
    expect(violations).toEqual([]);
    const rss = (await h.client.replicasets.list({ namespace: 'default' })).items;
    expect(rss.map((rs) => [rs.metadata.annotations!['deployment.kubernetes.io/revision'], rs.spec.replicas]).sort()).toEqual([['1', 0], ['2', replicas]]);
  });

  it('Recreate never runs old and new pods at the same time', async () => {
    await h.client.deployments.create(deployment('web', 3, 'web:1', { strategy: { type: 'Recreate' } }));
    await waitRolledOut('initial rollout');
    const list = await h.client.pods.list({ namespace: 'default' });
    const state = new Map<string, Pod>(list.items.map((p) => [p.metadata.name!, p]));
    const violations: string[] = [];
    const watch = h.client.pods.watch({ namespace: 'default', resourceVersion: list.metadata.resourceVersion });
    const watching = (async () => {
      for await (const ev of watch) {
        if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') continue;
        if (ev.type === 'DELETED') state.delete(ev.object.metadata.name!);
        else state.set(ev.object.metadata.name!, ev.object);
        const images = new Set([...state.values()].map(imageOf));
        if (images.size > 1) violations.push([...state.values()].map((p) => `${p.metadata.name}:${imageOf(p)}`).join(' '));
      }
    })();
    await update((d) => (d.spec.template.spec.containers[0]!.image = 'web:2'));
    await waitFor('recreate to web:2', async () => rolledOut(await get()) && (await pods()).length === 3 && (await pods()).every((p) => imageOf(p) === 'web:2'), 60_000);
    watch.stop();
    await watching;
    expect(violations).toEqual([]);
  });

  it('pause stops the rollout (scaling still applies); resume finishes it', async () => {
    await h.client.deployments.create(deployment('web', 2, 'web:1'));
    await waitRolledOut('initial rollout');
    await update((d) => {
      d.spec.paused = true;
    });
    await waitFor('paused condition', async () => (await get()).status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'DeploymentPaused');
    await update((d) => {
      d.spec.template.spec.containers[0]!.image = 'web:2';
      d.spec.replicas = 3;
    });
    await waitFor('scaled while paused', async () => (await pods()).filter(isReady).length === 3);
    // The controller has synced the latest spec (image change included): a paused
    // Deployment it mishandled would have its new ReplicaSet by now.
    await waitFor('the paused spec observed', async () => {
      const d = await get();
      return d.status?.observedGeneration === d.metadata.generation;
    });
    expect((await h.client.replicasets.list({ namespace: 'default' })).items).toHaveLength(1);
    expect((await pods()).every((p) => imageOf(p) === 'web:1')).toBe(true);
    await update((d) => {
      d.spec.paused = false;
    });
    await waitFor('resumed rollout', async () => rolledOut(await get()) && (await pods()).length === 3 && (await pods()).every((p) => imageOf(p) === 'web:2'), 60_000);
  });

  it('rollback to an older template reuses its ReplicaSet with the next revision', async () => {
    await h.client.deployments.create(deployment('web', 2, 'web:1'));
    await waitRolledOut('v1');
    const v1 = (await h.client.replicasets.list({ namespace: 'default' })).items[0]!;
    await update((d) => (d.spec.template.spec.containers[0]!.image = 'web:2'));
    await waitFor('v2', async () => rolledOut(await get()) && (await pods()).every((p) => imageOf(p) === 'web:2'));
    await update((d) => (d.spec.template.spec.containers[0]!.image = 'web:1'));
    await waitFor('back to v1', async () => rolledOut(await get()) && (await pods()).length === 2 && (await pods()).every((p) => imageOf(p) === 'web:1'));
    const rss = (await h.client.replicasets.list({ namespace: 'default' })).items;
    expect(rss).toHaveLength(2);
    const again = rss.find((rs) => rs.metadata.uid === v1.metadata.uid) as ReplicaSet;
    expect(again.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('3');
    expect(again.metadata.annotations!['deployment.kubernetes.io/revision-history']).toBe('1');
    expect((await get()).metadata.annotations!['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('reports ProgressDeadlineExceeded when new pods never become ready', async () => {
    await h.client.deployments.create(deployment('web', 2, 'web:1', { progressDeadlineSeconds: 3 }));
    await waitRolledOut('v1');
    await update((d) => (d.spec.template.spec.containers[0]!.image = 'bad:1'));
    await waitFor('deadline exceeded', async () => (await get()).status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'ProgressDeadlineExceeded', 30_000);
    const c = (await get()).status!.conditions!.find((x) => x.type === 'Progressing')!;
    expect(c.status).toBe('False');
    expect(c.message).toMatch(/^ReplicaSet "web-\w+" has timed out progressing\.$/);
    // old pods are still serving: maxUnavailable (25% of 2 → 0) kept both
    expect((await pods()).filter((p) => isReady(p) && imageOf(p) === 'web:1')).toHaveLength(2);
  });

  it('a controller manager killed mid-rollout is restarted without extra creates and finishes the rollout', async () => {
    const replicas = 8;
    await h.client.deployments.create(deployment('web', replicas, 'web:1', { strategy: { rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } } }));
    await waitRolledOut('v1');
    const created = new Set<string>();
    const list = await h.client.pods.list({ namespace: 'default' });
    const watch = h.client.pods.watch({ namespace: 'default', resourceVersion: list.metadata.resourceVersion });
    const watching = (async () => {
      for await (const ev of watch) if (ev.type === 'ADDED') created.add(ev.object.metadata.name!);
    })();
    holdImage = 'web:2';
    await update((d) => (d.spec.template.spec.containers[0]!.image = 'web:2'));
    // maxSurge 2, maxUnavailable 0: two new pods exist, unready, and the rollout waits on them.
    await waitFor('rollout under way', async () => (await pods()).filter((p) => imageOf(p) === 'web:2').length === 2);
    await new Promise((r) => setTimeout(r, 500));
    h.killManager();
    const before = (await pods()).map((p) => p.metadata.name!).sort();
    expect(before).toHaveLength(replicas + 2);
    const [d0, rs0] = [await h.reconciles('deployment'), await h.reconciles('replicaset')];
    await h.startManager();
    // After the restart, with nothing changed, the pod set stays exactly the same once the
    // new manager has synced the Deployment and both ReplicaSets (its first pass is where
    // lost expectations would create extra pods).
    await waitFor('the restarted manager synced the Deployment and both ReplicaSets', async () => (await h.reconciles('deployment')) > d0 && (await h.reconciles('replicaset')) >= rs0 + 2);
    expect((await pods()).map((p) => p.metadata.name!).sort()).toEqual(before);
    holdImage = undefined;
    h.standIn.resync();
    await waitFor('rollout finished after restart', async () => rolledOut(await get()) && (await pods()).length === replicas && (await pods()).every((p) => imageOf(p) === 'web:2'), 60_000);
    watch.stop();
    await watching;
    // Exactly one create per new replica: nothing doubled by the restart.
    expect(created.size).toBe(replicas);
  });
});
