// Garbage collector against a real apiserver + etcd: background, foreground and orphan deletes.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployment, rolledOut, startHarness, waitFor, type Harness } from './controller-helpers.js';

describe('garbage collector (real apiserver)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await h.client.deployments.create(deployment('web', 3, 'web:1'));
    await waitFor('rolled out', async () => rolledOut(await h.client.deployments.get('web', 'default')));
  });
  afterEach(async () => {
    await h?.stop();
  });

  const count = async () => ({
    deployments: (await h.client.deployments.list({ namespace: 'default' })).items.length,
    replicasets: (await h.client.replicasets.list({ namespace: 'default' })).items.length,
    pods: (await h.client.pods.list({ namespace: 'default' })).items.length,
  });

  it('background: deleting a Deployment removes its ReplicaSets and then their pods', async () => {
    await h.client.deployments.delete('web', 'default', { propagationPolicy: 'Background' });
    await waitFor('everything gone', async () => JSON.stringify(await count()) === JSON.stringify({ deployments: 0, replicasets: 0, pods: 0 }));
  });

  it('foreground: the Deployment stays (finalizer) until its ReplicaSets and pods are gone', async () => {
    await h.client.deployments.delete('web', 'default', { propagationPolicy: 'Foreground' });
    const d = await h.client.deployments.get('web', 'default');
    expect(d.metadata.finalizers).toContain('foregroundDeletion');
    expect(d.metadata.deletionTimestamp).toBeTruthy();
    let sawOwnerWithoutDependents = false;
    await waitFor('everything gone', async () => {
      const c = await count();
      if (c.deployments === 1 && c.replicasets === 0 && c.pods > 0) sawOwnerWithoutDependents = true;
      return c.deployments === 0 && c.replicasets === 0 && c.pods === 0;
    });
    expect(sawOwnerWithoutDependents).toBe(false);
  });

  it('orphan: ReplicaSets and pods stay, without the ownerReference', async () => {
    await h.client.deployments.delete('web', 'default', { propagationPolicy: 'Orphan' });
    await waitFor('deployment gone', async () => (await count()).deployments === 0);
    // The garbage collector is still at work after the deletion: an object whose owner
    // does not exist is collected. Only then check that the orphans were left alone.
    await h.client.replicasets.create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'gc-marker', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'gone', uid: '00000000-0000-4000-8000-000000000000' }] },
      spec: { replicas: 0, selector: { matchLabels: { app: 'gc-marker' } }, template: { metadata: { labels: { app: 'gc-marker' } }, spec: { containers: [{ name: 'c', image: 'web:1' }] } } },
    });
    await waitFor('the garbage collector to collect a marker with a missing owner', async () => !(await h.client.replicasets.list({ namespace: 'default' })).items.some((r) => r.metadata.name === 'gc-marker'));
    const rss = (await h.client.replicasets.list({ namespace: 'default' })).items;
    expect(rss).toHaveLength(1);
    expect(rss[0]!.metadata.ownerReferences ?? []).toEqual([]);
    const pods = (await h.client.pods.list({ namespace: 'default' })).items;
    expect(pods.filter((p) => !p.metadata.deletionTimestamp)).toHaveLength(3);
    expect(pods.every((p) => p.metadata.ownerReferences?.[0]?.uid === rss[0]!.metadata.uid)).toBe(true);
  });

  it('deleting a ReplicaSet directly lets the Deployment recreate it; a dangling pod is collected', async () => {
    const rs = (await h.client.replicasets.list({ namespace: 'default' })).items[0]!;
    await h.client.replicasets.delete(rs.metadata.name!, 'default');
    await waitFor('a new ReplicaSet with 3 ready pods', async () => {
      const rss = (await h.client.replicasets.list({ namespace: 'default' })).items;
      return rss.length === 1 && rss[0]!.metadata.uid !== rs.metadata.uid && (rss[0]!.status?.readyReplicas ?? 0) === 3;
    });
    await waitFor('old pods collected', async () => (await h.client.pods.list({ namespace: 'default' })).items.every((p) => p.metadata.ownerReferences?.[0]?.uid !== rs.metadata.uid));
  });
});
