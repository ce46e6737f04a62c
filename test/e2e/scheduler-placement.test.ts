// The scheduler against a real apiserver + etcd, with Node objects but no agents: pods
// land where their constraints say, an unfittable pod is told why (condition + Event)
// and bound as soon as a fitting node appears, and replicas spread evenly.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Event, Pod } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { makePod } from '../../scheduler/testing/builders.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { allowPrivilegedPods } from '../helpers/pod-security.js';
import { createNamespace, createReadyNode, podsIn, until } from './scheduler-helpers.js';

let api: TestApiServer;
let client: ApiClient;
let stopScheduler: () => Promise<void>;
let scheduler: Scheduler;

// A fresh cluster per test, so one test's nodes never show up in another's reasons.
beforeEach(async () => {
  api = await startTestApiServer();
  client = new ApiClient({ server: api.url, token: api.token });
  scheduler = new Scheduler({ client, queue: { initialBackoffMs: 200, maxBackoffMs: 1000 } });
  const ac = new AbortController();
  const done = scheduler.run(ac.signal);
  stopScheduler = async () => {
    ac.abort();
    await done;
  };
});

afterEach(async () => {
  await stopScheduler?.();
  client?.close();
  await api?.stop();
});

function pod(ns: string, o: Parameters<typeof makePod>[0]): Pod {
  const p = makePod({ ...o, namespace: ns });
  // The server assigns uid and creationTimestamp.
  delete p.metadata.uid;
  delete p.metadata.creationTimestamp;
  delete p.status;
  return p;
}

const nodeOf = async (ns: string, name: string) => (await client.pods.get(name, ns)).spec.nodeName;

describe('scheduler e2e: placement', () => {
  it('places pods by resources, selectors, affinity, taints and host ports', async () => {
    const ns = 'place';
    await createNamespace(client, ns);
    // hostPort pods: Pod Security's baseline refuses them, this namespace is privileged.
    await allowPrivilegedPods(client, ns);
    await createReadyNode(client, { name: 'place-small', cpu: '1', labels: { pool: 'place' } });
    await createReadyNode(client, { name: 'place-plain', cpu: '4', labels: { pool: 'place' } });
    await createReadyNode(client, { name: 'place-ssd', cpu: '4', labels: { pool: 'place', disk: 'ssd' } });
    await createReadyNode(client, { name: 'place-gpu', cpu: '4', labels: { pool: 'place', gpu: 'true' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await createReadyNode(client, { name: 'place-cordoned', cpu: '16', labels: { pool: 'place' }, unschedulable: true });
    await createReadyNode(client, { name: 'place-down', cpu: '16', labels: { pool: 'place' }, ready: false });
    const inPool = { pool: 'place' };

    await client.pods.create(pod(ns, { name: 'wants-ssd', nodeSelector: { disk: 'ssd' } }));
    await client.pods.create(
      pod(ns, { name: 'wants-gpu', nodeSelector: { gpu: 'true' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }),
    );
    await client.pods.create(
      pod(ns, {
        name: 'not-ssd-2cpu',
        cpu: '2',
        nodeSelector: inPool,
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }] } } },
      }),
    );
    await client.pods.create(pod(ns, { name: 'port-1', nodeSelector: inPool, hostPorts: [8080] }));
    await client.pods.create(pod(ns, { name: 'port-2', nodeSelector: inPool, hostPorts: [8080] }));
    const pinned = pod(ns, { name: 'pinned' });
    pinned.spec.nodeName = 'place-cordoned';
    await client.pods.create(pinned);
    await client.pods.create(pod(ns, { name: 'not-mine', schedulerName: 'other-scheduler' }));

    await until('all default-scheduler pods bound', async () => (await podsIn(client, ns)).filter((p) => !p.spec.nodeName).length === 1);
    expect(await nodeOf(ns, 'wants-ssd')).toBe('place-ssd');
    expect(await nodeOf(ns, 'wants-gpu')).toBe('place-gpu');
    // 2 cpu, no ssd: small is too small, gpu is tainted, cordoned and down are refused.
    expect(await nodeOf(ns, 'not-ssd-2cpu')).toBe('place-plain');
    const p1 = await nodeOf(ns, 'port-1');
    const p2 = await nodeOf(ns, 'port-2');
    expect(['place-small', 'place-plain', 'place-ssd']).toContain(p1);
    expect(['place-small', 'place-plain', 'place-ssd']).toContain(p2);
    expect(p1).not.toBe(p2);
    expect(await nodeOf(ns, 'pinned')).toBe('place-cordoned');
    expect(await nodeOf(ns, 'not-mine')).toBeUndefined();
  });

  it('explains an unfittable pod (condition + Event) and binds it once a fitting node is added', async () => {
    const ns = 'unfit';
    await createNamespace(client, ns);
    await createReadyNode(client, { name: 'unfit-a', cpu: '2', labels: { pool: 'unfit' } });
    await createReadyNode(client, { name: 'unfit-b', cpu: '2', labels: { pool: 'unfit' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await createReadyNode(client, { name: 'unfit-c', cpu: '2', labels: { pool: 'unfit' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await client.pods.create(pod(ns, { name: 'big', cpu: '3', nodeSelector: { pool: 'unfit' } }));

    const expected = '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}.';
    // The scheduler's node cache may lag the node creations by a moment (a first attempt
    // may see fewer nodes); the message converges as nodes arrive.
    let seen: string | undefined;
    const cond = await until(`PodScheduled=False with "${expected}" (last seen: "${seen}")`, async () => {
      const c = (await client.pods.get('big', ns)).status?.conditions?.find((x) => x.type === 'PodScheduled');
      seen = c?.message;
      return c?.status === 'False' && c.message === expected ? c : undefined;
    });
    expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable', message: expected });
    const ev = await until('FailedScheduling event', async () =>
      (await client.events.list({ namespace: ns })).items.find((e: Event) => e.reason === 'FailedScheduling' && e.involvedObject.name === 'big' && e.message === expected),
    );
    expect(ev).toMatchObject({ type: 'Warning', message: expected, source: { component: 'default-scheduler' } });
    expect(await nodeOf(ns, 'big')).toBeUndefined();

    await createReadyNode(client, { name: 'unfit-big', cpu: '8', labels: { pool: 'unfit' } });
    await until('big bound', () => nodeOf(ns, 'big'), 15_000);
    expect(await nodeOf(ns, 'big')).toBe('unfit-big');
    // The binding (server side) turns the condition True; no stale Unschedulable message is left.
    expect((await client.pods.get('big', ns)).status?.conditions?.find((x) => x.type === 'PodScheduled')).toMatchObject({ status: 'True' });
    const scheduled = await until('Scheduled event', async () =>
      (await client.events.list({ namespace: ns })).items.find((e: Event) => e.reason === 'Scheduled' && e.involvedObject.name === 'big'),
    );
    expect(scheduled.message).toBe(`Successfully assigned ${ns}/big to unfit-big`);
  });

  it('spreads 50 replicas over 5 equal nodes evenly', async () => {
    const ns = 'spread';
    await createNamespace(client, ns);
    const nodes = ['spread-1', 'spread-2', 'spread-3', 'spread-4', 'spread-5'];
    for (const name of nodes) await createReadyNode(client, { name, cpu: '8', memory: '16Gi', labels: { pool: 'spread' } });
    for (let i = 0; i < 50; i++) {
      const p = pod(ns, { name: `web-${i}`, cpu: '100m', memory: '64Mi', labels: { app: 'web' }, nodeSelector: { pool: 'spread' } });
      p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-web-uid', controller: true }];
      await client.pods.create(p);
    }
    await until('50 bound', async () => (await podsIn(client, ns)).every((p) => p.spec.nodeName) || undefined);
    const pods = await podsIn(client, ns);
    const counts = nodes.map((n) => pods.filter((p) => p.spec.nodeName === n).length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(50);
    for (const c of counts) {
      expect(c).toBeGreaterThanOrEqual(9);
      expect(c).toBeLessThanOrEqual(11);
    }
  });
});
