// Create / get / update / patch / status / scale / binding: what every controller relies
// on when it writes. Each case states one rule of the apiserver (api/strategies).

import { describe, expect, it } from 'vitest';
import { isAlreadyExists, isConflict, isInvalid, isNotFound, type ApiError } from '../../api/errors.js';
import type { Deployment, Node, ReplicaSet } from '../../api/types.js';
import { configMap, deployment, pod, rejection, uniqueName, WHOLE_SECONDS, type TargetOf } from './target.js';

export function writeContract(target: TargetOf): void {
  describe('create', () => {
    it('fills server metadata: uid, resourceVersion, creationTimestamp in whole seconds', async () => {
      const { client, namespace: ns } = target();
      const p = await client.pods.create(pod(ns, uniqueName('meta')));
      expect(p).toMatchObject({ apiVersion: 'v1', kind: 'Pod' });
      expect(p.metadata.uid).toBeTruthy();
      expect(p.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(p.metadata.creationTimestamp).toMatch(WHOLE_SECONDS);
      expect(await client.pods.get(p.metadata.name!, ns)).toEqual(p);
    });

    it('generation starts at 1 for kinds with a spec; ConfigMaps have none', async () => {
      const { client, namespace: ns } = target();
      expect((await client.pods.create(pod(ns, uniqueName('gen')))).metadata.generation).toBe(1);
      expect((await client.deployments.create(deployment(ns, uniqueName('gen')))).metadata.generation).toBe(1);
      expect((await client.configmaps.create(configMap(ns, uniqueName('gen')))).metadata.generation).toBeUndefined();
    });

    it('a new pod is Pending whatever status it was sent with; Deployments start with an empty status', async () => {
      const { client, namespace: ns } = target();
      const p = await client.pods.create({ ...pod(ns, uniqueName('pending')), status: { phase: 'Running', podIP: '10.0.0.1' } });
      expect(p.status).toEqual({ phase: 'Pending' });
      const d = await client.deployments.create({ ...deployment(ns, uniqueName('fresh')), status: { replicas: 7 } });
      expect(d.status).toEqual({});
    });

    it('Nodes keep the status they register with (agents send capacity in the create)', async () => {
      const { client } = target();
      const n = await client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: uniqueName('contract-node') }, spec: {}, status: { capacity: { cpu: '2' } } } as Node);
      expect(n.status?.capacity).toEqual({ cpu: '2' });
      await client.nodes.delete(n.metadata.name!);
    });

    it('applies defaults (restartPolicy, imagePullPolicy, replicas, strategy)', async () => {
      const { client, namespace: ns } = target();
      const p = await client.pods.create(pod(ns, uniqueName('defaults')));
      expect(p.spec.restartPolicy).toBe('Always');
      expect(p.spec.containers[0]!.imagePullPolicy).toBe('IfNotPresent');
      const d = deployment(ns, uniqueName('defaults'));
      delete d.spec.replicas;
      const created = await client.deployments.create(d);
      expect(created.spec.replicas).toBe(1);
      expect(created.spec.strategy?.type).toBe('RollingUpdate');
    });

    it('generateName gives the prefix and five more characters; a taken name is 409 AlreadyExists', async () => {
      const { client, namespace: ns } = target();
      const g = await client.configmaps.create({ ...configMap(ns, ''), metadata: { generateName: 'gen-', namespace: ns } });
      expect(g.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
      expect(isAlreadyExists(await rejection(client.configmaps.create(configMap(ns, g.metadata.name!))))).toBe(true);
    });

    it('an invalid object is 422 naming the field, and is not stored', async () => {
      const { client, namespace: ns } = target();
      const name = uniqueName('invalid');
      const err = (await rejection(client.pods.create({ ...pod(ns, name), spec: { containers: [] } }))) as ApiError;
      expect(isInvalid(err)).toBe(true);
      expect(err.status.details?.causes?.map((c) => c.field)).toContain('spec.containers');
      expect(isNotFound(await rejection(client.pods.get(name, ns)))).toBe(true);
    });

    it('dryRun validates and answers, but stores nothing', async () => {
      const { client, namespace: ns } = target();
      const name = uniqueName('dry');
      const dry = await client.pods.create(pod(ns, name), { dryRun: true });
      expect(dry.status).toEqual({ phase: 'Pending' });
      expect(isNotFound(await rejection(client.pods.get(name, ns)))).toBe(true);
    });
  });

  describe('update and patch', () => {
    it('every change moves resourceVersion; a no-op keeps it; a stale one is 409 Conflict', async () => {
      const { client, namespace: ns } = target();
      const c1 = await client.configmaps.create(configMap(ns, uniqueName('rv')));
      const c2 = await client.configmaps.update({ ...c1, data: { k: 'v2' } });
      expect(Number(c2.metadata.resourceVersion)).toBeGreaterThan(Number(c1.metadata.resourceVersion));
      const same = await client.configmaps.update(c2);
      expect(same.metadata.resourceVersion).toBe(c2.metadata.resourceVersion);
      expect(isConflict(await rejection(client.configmaps.update({ ...c1, data: { k: 'stale' } })))).toBe(true);
      // Without a resourceVersion an update is unconditional.
      const { resourceVersion: _rv, ...md } = c1.metadata;
      expect((await client.configmaps.update({ ...c1, metadata: md, data: { k: 'last' } })).data).toEqual({ k: 'last' });
    });

    it('generation moves on spec changes only, not on labels or status', async () => {
      const { client, namespace: ns } = target();
      const d = await client.deployments.create(deployment(ns, uniqueName('gen')));
      const labelled = await client.deployments.update({ ...d, metadata: { ...d.metadata, labels: { x: 'y' } } });
      expect(labelled.metadata.generation).toBe(1);
      const scaled = await client.deployments.update({ ...labelled, spec: { ...labelled.spec, replicas: 5 } });
      expect(scaled.metadata.generation).toBe(2);
      const st = await client.deployments.updateStatus({ ...scaled, status: { observedGeneration: 2, replicas: 5 } });
      expect(st.metadata.generation).toBe(2);
      const patched = await client.deployments.patch(d.metadata.name!, ns, { spec: { replicas: 6 } });
      expect(patched.metadata.generation).toBe(3);
    });

    it('the main endpoint keeps the stored status; /status changes nothing but status', async () => {
      const { client, namespace: ns } = target();
      const p = await client.pods.create(pod(ns, uniqueName('status')));
      const running = await client.pods.updateStatus({ ...p, status: { phase: 'Running' }, metadata: { ...p.metadata, labels: { ignored: 'yes' } } });
      expect(running.status?.phase).toBe('Running');
      expect(running.metadata.labels).toBeUndefined();
      const main = await client.pods.update({ ...running, status: { phase: 'Failed' }, metadata: { ...running.metadata, labels: { a: 'b' } } });
      expect(main.status?.phase).toBe('Running');
      expect(main.metadata.labels).toEqual({ a: 'b' });
      const ps = await client.pods.patchStatus(p.metadata.name!, ns, { status: { phase: 'Succeeded' } });
      expect(ps.status?.phase).toBe('Succeeded');
      expect(ps.metadata.labels).toEqual({ a: 'b' });
    });

    it('server-owned metadata survives what a client sends', async () => {
      const { client, namespace: ns } = target();
      const c = await client.configmaps.create(configMap(ns, uniqueName('owned')));
      const u = await client.configmaps.update({ ...c, metadata: { ...c.metadata, creationTimestamp: '2000-01-01T00:00:00Z', deletionTimestamp: '2000-01-01T00:00:00Z' }, data: { k: 'x' } });
      expect(u.metadata.creationTimestamp).toBe(c.metadata.creationTimestamp);
      expect(u.metadata.deletionTimestamp).toBeUndefined();
      expect(u.metadata.uid).toBe(c.metadata.uid);
    });

    it('immutable fields: a pod changes node only through binding; a Deployment keeps its selector (422)', async () => {
      const { client, namespace: ns } = target();
      const p = await client.pods.create(pod(ns, uniqueName('immutable')));
      expect(isInvalid(await rejection(client.pods.update({ ...p, spec: { ...p.spec, nodeName: 'n1' } })))).toBe(true);
      const image = await client.pods.update({ ...p, spec: { ...p.spec, containers: [{ ...p.spec.containers[0]!, image: 'orch.local/web:v2' }] } });
      expect(image.metadata.generation).toBe(2);
      const d = await client.deployments.create(deployment(ns, uniqueName('immutable')));
      const other: Deployment = { ...d, spec: { ...d.spec, selector: { matchLabels: { app: 'other' } }, template: { ...d.spec.template, metadata: { labels: { app: 'other' } } } } };
      expect(isInvalid(await rejection(client.deployments.update(other)))).toBe(true);
    });

    it('merge, JSON and strategic merge patches; a resourceVersion in a patch is a precondition', async () => {
      const { client, namespace: ns } = target();
      const c = await client.configmaps.create(configMap(ns, uniqueName('patch')));
      expect((await client.configmaps.patch(c.metadata.name!, ns, { data: { m: '1' } })).data).toEqual({ k: 'v', m: '1' });
      expect((await client.configmaps.patch(c.metadata.name!, ns, [{ op: 'remove', path: '/data/k' }], 'json')).data).toEqual({ m: '1' });
      const p = await client.pods.create(pod(ns, uniqueName('smp')));
      const smp = await client.pods.patch(p.metadata.name!, ns, { spec: { containers: [{ name: 'c', image: 'orch.local/web:v3' }] } }, 'strategic');
      expect(smp.spec.containers.map((x) => [x.name, x.image, x.imagePullPolicy])).toEqual([['c', 'orch.local/web:v3', 'IfNotPresent']]);
      expect(isConflict(await rejection(client.configmaps.patch(c.metadata.name!, ns, { metadata: { resourceVersion: c.metadata.resourceVersion }, data: { z: '1' } })))).toBe(true);
    });

    it('404 for objects that do not exist, on every verb', async () => {
      const { client, namespace: ns } = target();
      const ghost = configMap(ns, uniqueName('ghost'));
      // One call at a time: calls started together would reject while an earlier one is
      // still awaited, which Node reports as unhandled rejections.
      for (const call of [
        () => client.configmaps.get(ghost.metadata.name!, ns),
        () => client.configmaps.update(ghost),
        () => client.configmaps.patch(ghost.metadata.name!, ns, { data: {} }),
        () => client.configmaps.delete(ghost.metadata.name!, ns),
        () => client.deployments.getScale(ghost.metadata.name!, ns),
      ])
        expect(isNotFound(await rejection(call()))).toBe(true);
    });
  });

  describe('subresources', () => {
    it('scale: reads and writes spec.replicas (a spec change); a stale resourceVersion is 409', async () => {
      const { client, namespace: ns } = target();
      const rs: ReplicaSet = { ...(deployment(ns, uniqueName('rs')) as unknown as ReplicaSet), apiVersion: 'apps/v1', kind: 'ReplicaSet' };
      delete (rs.spec as { strategy?: unknown }).strategy;
      const created = await client.replicasets.create(rs);
      const sc = await client.replicasets.getScale(created.metadata.name!, ns);
      expect(sc).toMatchObject({ kind: 'Scale', spec: { replicas: 2 }, status: { replicas: 0, selector: `app=${created.metadata.name}` } });
      const up = await client.replicasets.updateScale(created.metadata.name!, ns, { ...sc, spec: { replicas: 4 } });
      expect(up.spec.replicas).toBe(4);
      const after = await client.replicasets.get(created.metadata.name!, ns);
      expect([after.spec.replicas, after.metadata.generation]).toEqual([4, 2]);
      expect(isConflict(await rejection(client.replicasets.updateScale(created.metadata.name!, ns, { ...sc, spec: { replicas: 1 } })))).toBe(true);
    });

    it('binding sets spec.nodeName once, with PodScheduled, without moving generation; a second binding is 409', async () => {
      const { client, namespace: ns } = target();
      const p = await client.pods.create(pod(ns, uniqueName('bind')));
      await client.pods.bind({ apiVersion: 'v1', kind: 'Binding', metadata: { name: p.metadata.name, namespace: ns }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' } });
      const bound = await client.pods.get(p.metadata.name!, ns);
      expect(bound.spec.nodeName).toBe('node-a');
      expect(bound.metadata.generation).toBe(1);
      expect(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')).toMatchObject({ status: 'True', lastTransitionTime: expect.stringMatching(WHOLE_SECONDS) });
      const again = { metadata: { name: p.metadata.name, namespace: ns }, target: { name: 'node-b' } };
      expect(isConflict(await rejection(client.pods.bind(again)))).toBe(true);
    });
  });
}

