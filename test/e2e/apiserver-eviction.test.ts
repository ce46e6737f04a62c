// PodDisruptionBudgets and pods/eviction against a real apiserver + etcd: the budget as a
// served kind (validation, status, table), and evictions that spend it in one
// compare-and-swap — 429 while it allows nothing, never two evictions through a budget
// of one, 500 for several budgets, DeleteOptions honoured, JSON and protobuf bodies.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { encodeMessage, protobufBody } from '../helpers/k8s-protobuf.js';

let s: TestApiServer;
const NS = 'default';
const PODS = `/api/v1/namespaces/${NS}/pods`;
const PDBS = `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets`;

beforeAll(async () => {
  s = await startTestApiServer();
});
afterAll(async () => {
  await s?.stop();
});

const req = (method: string, path: string, body?: unknown, opts?: Parameters<typeof apiRequest>[4]) => apiRequest(s, method, path, body, opts);

/** A pod bound to node-1, Running and Ready (or not), deleted at once (grace 0) unless `grace` says otherwise. */
async function runningPod(name: string, labels: Record<string, string>, opts: { ready?: boolean; grace?: number } = {}): Promise<any> {
  const created = await req('POST', PODS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { nodeName: 'node-1', terminationGracePeriodSeconds: opts.grace ?? 0, containers: [{ name: 'c', image: 'busybox' }] },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const pod = created.body;
  pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] };
  const updated = await req('PUT', `${PODS}/${name}/status`, pod);
  expect(updated.status, JSON.stringify(updated.body)).toBe(200);
  return updated.body;
}

/** A budget with the status the disruption controller would have written. */
async function budget(name: string, spec: Record<string, unknown>, status: Record<string, unknown>): Promise<any> {
  const created = await req('POST', PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const pdb = created.body;
  pdb.status = { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0, observedGeneration: pdb.metadata.generation, ...status };
  const updated = await req('PUT', `${PDBS}/${name}/status`, pdb);
  expect(updated.status, JSON.stringify(updated.body)).toBe(200);
  return updated.body;
}

const evict = (name: string, deleteOptions?: Record<string, unknown>, opts?: Parameters<typeof apiRequest>[4]) =>
  req('POST', `${PODS}/${name}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NS }, ...(deleteOptions ? { deleteOptions } : {}) }, opts);

const podExists = async (name: string) => (await req('GET', `${PODS}/${name}`)).status === 200;

describe('PodDisruptionBudget (policy/v1)', () => {
  test('discovery lists it (short name pdb, status) and the eviction subresource kubectl drain looks for', async () => {
    const policy = (await req('GET', '/apis/policy/v1')).body;
    expect(policy.resources).toContainEqual(expect.objectContaining({ name: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', shortNames: ['pdb'], namespaced: true }));
    expect(policy.resources).toContainEqual(expect.objectContaining({ name: 'poddisruptionbudgets/status' }));
    const core = (await req('GET', '/api/v1')).body;
    expect(core.resources).toContainEqual(expect.objectContaining({ name: 'pods/eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] }));
  });

  test('created with a zero status and generation 1; the main endpoint ignores status', async () => {
    const created = await req('POST', PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'fresh' }, spec: { minAvailable: '50%', selector: { matchLabels: { app: 'fresh' } } }, status: { disruptionsAllowed: 5 } });
    expect(created.status).toBe(201);
    expect(created.body.metadata.generation).toBe(1);
    expect(created.body.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  });

  test.each([
    ['both minAvailable and maxUnavailable', { minAvailable: 1, maxUnavailable: 1, selector: {} }, 'spec', 'FieldValueInvalid'],
    ['neither', { selector: {} }, 'spec.minAvailable', 'FieldValueRequired'],
    ['a negative minAvailable', { minAvailable: -1, selector: {} }, 'spec.minAvailable', 'FieldValueInvalid'],
    ['a percentage over 100', { maxUnavailable: '101%', selector: {} }, 'spec.maxUnavailable', 'FieldValueInvalid'],
    ['a string that is no percentage', { minAvailable: 'half', selector: {} }, 'spec.minAvailable', 'FieldValueInvalid'],
    ['a bad selector operator', { minAvailable: 1, selector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } }, 'spec.selector.matchExpressions[0].operator', 'FieldValueNotSupported'],
    ['an unknown unhealthyPodEvictionPolicy', { minAvailable: 1, selector: {}, unhealthyPodEvictionPolicy: 'Sometimes' }, 'spec.unhealthyPodEvictionPolicy', 'FieldValueNotSupported'],
  ])('422 for %s', async (_what, spec, field, reason) => {
    const res = await req('POST', PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'bad' }, spec });
    expect(res.status).toBe(422);
    expect(res.body.details.causes).toContainEqual(expect.objectContaining({ field, reason }));
  });

  test('a negative status counter is a 422 on /status', async () => {
    await budget('neg', { minAvailable: 1, selector: { matchLabels: { app: 'neg' } } }, {});
    const pdb = (await req('GET', `${PDBS}/neg`)).body;
    pdb.status.disruptionsAllowed = -1;
    const res = await req('PUT', `${PDBS}/neg/status`, pdb);
    expect(res.status).toBe(422);
    expect(res.body.details.causes).toContainEqual(expect.objectContaining({ field: 'status.disruptionsAllowed' }));
  });

  test('the table has kubectl get pdb columns', async () => {
    await budget('tab', { maxUnavailable: 1, selector: { matchLabels: { app: 'tab' } } }, { disruptionsAllowed: 1 });
    const t = (await fetch(`${s.url}${PDBS}/tab`, { headers: { Authorization: `Bearer ${s.token}`, Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } }).then((r) => r.json())) as {
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[] }[];
    };
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
    expect(t.rows[0]!.cells.slice(0, 4)).toEqual(['tab', 'N/A', '1', 1]);
  });

  test('a protobuf PodDisruptionBudget body stores what JSON stores', async () => {
    const raw = encodeMessage('k8s.io.api.policy.v1.PodDisruptionBudget', {
      metadata: { name: 'pb' },
      spec: { minAvailable: { type: 1, strVal: '50%' }, selector: { matchLabels: { app: 'pb' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });
    const res = await req('POST', PDBS, undefined, { rawBody: protobufBody('policy/v1', 'PodDisruptionBudget', raw), contentType: 'application/vnd.kubernetes.protobuf' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.spec).toEqual({ minAvailable: '50%', selector: { matchLabels: { app: 'pb' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });
});

describe('POST pods/{name}/eviction', () => {
  test('without a budget the pod is deleted (201 Success)', async () => {
    await runningPod('free', { app: 'free' });
    const res = await evict('free');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Success' });
    expect(await podExists('free')).toBe(false);
  });

  test("the Eviction's deleteOptions apply: grace period, preconditions, dry run", async () => {
    await runningPod('graceful', { app: 'graceful' }, { grace: 30 });
    const stale = await evict('graceful', { preconditions: { resourceVersion: '1' } });
    expect(stale.status).toBe(409);
    const dry = await req('POST', `${PODS}/graceful/eviction?dryRun=All`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'graceful' } });
    expect(dry.status).toBe(201);
    expect((await req('GET', `${PODS}/graceful`)).body.metadata.deletionTimestamp).toBeUndefined();
    const res = await evict('graceful', { gracePeriodSeconds: 7 });
    expect(res.status).toBe(201);
    const pod = (await req('GET', `${PODS}/graceful`)).body;
    expect(pod.metadata.deletionGracePeriodSeconds).toBe(7);
    expect(pod.status.conditions).toContainEqual(expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }));
    // Already terminating: nothing to ask a budget, the answer is success again.
    expect((await evict('graceful')).status).toBe(201);
  });

  test('429 while the budget allows no disruption, with the budget named in a DisruptionBudget cause', async () => {
    await runningPod('held', { app: 'held' });
    await budget('held', { minAvailable: 1, selector: { matchLabels: { app: 'held' } } }, { currentHealthy: 1, desiredHealthy: 1, expectedPods: 1, disruptionsAllowed: 0 });
    const res = await evict('held');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(res.body).toMatchObject({ reason: 'TooManyRequests', message: "Cannot evict pod as it would violate the pod's disruption budget." });
    expect(res.body.details.causes).toEqual([{ reason: 'DisruptionBudget', message: 'The disruption budget held needs 1 healthy pods and has 1 currently' }]);
    expect(await podExists('held')).toBe(true);
  });

  test('a budget not yet computed for its spec is 429 with Retry-After', async () => {
    await runningPod('stale', { app: 'stale' });
    await budget('stale', { minAvailable: 1, selector: { matchLabels: { app: 'stale' } } }, { disruptionsAllowed: 3, observedGeneration: 0 });
    const res = await evict('stale');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('10');
    expect(res.body.details.causes[0].message).toBe('The disruption budget stale is still being processed by the server.');
  });

  test('an allowed eviction spends the budget in its status, records the pod, and deletes it', async () => {
    await runningPod('spend-1', { app: 'spend' });
    await runningPod('spend-2', { app: 'spend' });
    await budget('spend', { maxUnavailable: 1, selector: { matchLabels: { app: 'spend' } } }, { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 1 });
    expect((await evict('spend-1')).status).toBe(201);
    expect(await podExists('spend-1')).toBe(false);
    const pdb = (await req('GET', `${PDBS}/spend`)).body;
    expect(pdb.status.disruptionsAllowed).toBe(0);
    expect(Object.keys(pdb.status.disruptedPods)).toEqual(['spend-1']);
    expect(pdb.status.conditions).toContainEqual(expect.objectContaining({ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' }));
    expect((await evict('spend-2')).status).toBe(429);
  });

  test('two racing evictions through a budget of one: exactly one passes, every time', async () => {
    for (let round = 0; round < 8; round++) {
      const app = `race-${round}`;
      await runningPod(`${app}-a`, { app });
      await runningPod(`${app}-b`, { app });
      await budget(app, { minAvailable: 1, selector: { matchLabels: { app } } }, { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 1 });
      const codes = (await Promise.all([evict(`${app}-a`), evict(`${app}-b`)])).map((r) => r.status).sort();
      expect(codes, `round ${round}`).toEqual([201, 429]);
      expect([await podExists(`${app}-a`), await podExists(`${app}-b`)].filter(Boolean)).toHaveLength(1);
      const pdb = (await req('GET', `${PDBS}/${app}`)).body;
      expect(pdb.status.disruptionsAllowed).toBe(0);
      expect(Object.keys(pdb.status.disruptedPods)).toHaveLength(1);
    }
  });

  test('several budgets covering the pod: 500, as Kubernetes', async () => {
    await runningPod('multi', { app: 'multi', tier: 'x' });
    await budget('multi-a', { minAvailable: 0, selector: { matchLabels: { app: 'multi' } } }, { disruptionsAllowed: 1 });
    await budget('multi-b', { minAvailable: 0, selector: { matchLabels: { tier: 'x' } } }, { disruptionsAllowed: 1 });
    const res = await evict('multi');
    expect(res.status).toBe(500);
    expect(res.body.message).toBe('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    expect(await podExists('multi')).toBe(true);
  });

  test('an unready pod goes without spending a met budget (IfHealthyBudget), or always with AlwaysAllow', async () => {
    await runningPod('sick-1', { app: 'sick' }, { ready: false });
    await budget('sick', { minAvailable: 1, selector: { matchLabels: { app: 'sick' } } }, { currentHealthy: 1, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 0 });
    expect((await evict('sick-1')).status).toBe(201);
    expect((await req('GET', `${PDBS}/sick`)).body.status.disruptionsAllowed).toBe(0);

    await runningPod('weak-1', { app: 'weak' }, { ready: false });
    await budget('weak', { minAvailable: 2, selector: { matchLabels: { app: 'weak' } } }, { currentHealthy: 1, desiredHealthy: 2, expectedPods: 2, disruptionsAllowed: 0 });
    expect((await evict('weak-1')).status).toBe(429); // the budget is not met: IfHealthyBudget keeps it
    const pdb = (await req('GET', `${PDBS}/weak`)).body;
    pdb.spec.unhealthyPodEvictionPolicy = 'AlwaysAllow';
    expect((await req('PUT', `${PDBS}/weak`, pdb)).status).toBe(200);
    expect((await evict('weak-1')).status).toBe(201);
  });

  test('an empty selector covers every pod of its namespace (policy/v1), a missing one none', async () => {
    expect((await req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wide' } })).status).toBe(201);
    const wide = `/apis/policy/v1/namespaces/wide/poddisruptionbudgets`;
    const created = await req('POST', wide, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'all' }, spec: { minAvailable: 1, selector: {} } });
    expect(created.status).toBe(201);
    const pdb = created.body;
    pdb.status = { currentHealthy: 1, desiredHealthy: 1, expectedPods: 1, disruptionsAllowed: 0, observedGeneration: 1 };
    expect((await req('PUT', `${wide}/all/status`, pdb)).status).toBe(200);
    const pod = await req('POST', '/api/v1/namespaces/wide/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'any', labels: { whatever: 'x' } }, spec: { nodeName: 'node-1', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox' }] } });
    pod.body.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    expect((await req('PUT', '/api/v1/namespaces/wide/pods/any/status', pod.body)).status).toBe(200);
    const evictAny = () => req('POST', '/api/v1/namespaces/wide/pods/any/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'any' } });
    expect((await evictAny()).status).toBe(429);
    delete pdb.spec.selector;
    pdb.metadata.resourceVersion = undefined;
    expect((await req('PUT', `${wide}/all`, pdb)).status).toBe(200);
    expect((await evictAny()).status).toBe(201);
  });

  test('a pending pod is deleted without asking its budget', async () => {
    const created = await req('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending', labels: { app: 'held' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    expect(created.status).toBe(201);
    expect((await evict('pending')).status).toBe(201);
    expect(await podExists('pending')).toBe(false);
  });

  test('bad requests: name mismatch 400, unknown pod 404, other kind 400, node identity 403', async () => {
    await runningPod('guarded', { app: 'guarded' });
    const mismatch = await req('POST', `${PODS}/guarded/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other' } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toBe('name in URL does not match name in Eviction object');
    expect((await evict('nobody')).status).toBe(404);
    expect((await req('POST', `${PODS}/guarded/eviction`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'guarded' } })).status).toBe(400);
    expect((await req('GET', `${PODS}/guarded/eviction`)).status).toBe(405);
    const bad = async (body: unknown) => req('POST', `${PODS}/guarded/eviction`, body);
    expect((await bad([1, 2])).status).toBe(400);
    expect((await bad({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'guarded' }, deleteOptions: 'now' })).status).toBe(400);
    const grace = await bad({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'guarded' }, deleteOptions: { gracePeriodSeconds: 'soon' } });
    expect(grace.status).toBe(400);
    expect(grace.body.message).toContain('gracePeriodSeconds');
    const policy = await bad({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'guarded' }, deleteOptions: { propagationPolicy: 'Sideways' } });
    expect(policy.status).toBe(400);
    const garbage = await req('POST', `${PODS}/guarded/eviction`, undefined, { rawBody: protobufBody('policy/v1', 'Eviction', Buffer.from([0x0a, 0xff])), contentType: 'application/vnd.kubernetes.protobuf' });
    expect(garbage.status).toBe(400);
    const byNode = await evict('guarded', undefined, { token: s.nodeToken });
    expect(byNode.status).toBe(403);
    expect(await podExists('guarded')).toBe(true);
  });

  test('policy/v1beta1 and protobuf Eviction bodies are accepted', async () => {
    await runningPod('old-client', { app: 'old' });
    const v1beta1 = await req('POST', `${PODS}/old-client/eviction`, { apiVersion: 'policy/v1beta1', kind: 'Eviction', metadata: { name: 'old-client' } });
    expect(v1beta1.status).toBe(201);
    await runningPod('pb-client', { app: 'pb-client' }, { grace: 30 });
    const raw = encodeMessage('k8s.io.api.policy.v1.Eviction', { metadata: { name: 'pb-client', namespace: NS }, deleteOptions: { gracePeriodSeconds: 3 } });
    const res = await req('POST', `${PODS}/pb-client/eviction`, undefined, { rawBody: protobufBody('policy/v1', 'Eviction', raw), contentType: 'application/vnd.kubernetes.protobuf' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect((await req('GET', `${PODS}/pb-client`)).body.metadata.deletionGracePeriodSeconds).toBe(3);
  });
});
