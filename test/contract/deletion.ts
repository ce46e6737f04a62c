// DELETE: what is removed at once and what waits (finalizers, graceful pods), what the
// answer is, and what watchers see. The agent's confirmation of a pod's deletion is a
// DELETE with gracePeriodSeconds=0.

import { describe, expect, it } from 'vitest';
import { isForbidden, isNotFound, isStatus } from '../../api/errors.js';
import type { ConfigMap, Pod } from '../../api/types.js';
import { configMap, pod, rejection, takeEvents, uniqueName, WHOLE_SECONDS, type TargetOf } from './target.js';

export function deletionContract(target: TargetOf): void {
  describe('delete', () => {
    it('an object without finalizers goes at once; the answer is a Success Status', async () => {
      const { client, namespace: ns } = target();
      const c = await client.configmaps.create(configMap(ns, uniqueName('gone')));
      const res = await client.configmaps.delete(c.metadata.name!, ns);
      expect(isStatus(res) && res.status).toBe('Success');
      expect(isNotFound(await rejection(client.configmaps.get(c.metadata.name!, ns)))).toBe(true);
    });

    it('finalizers hold an object (deletionTimestamp set) until the last one is removed', async () => {
      const { client, namespace: ns } = target();
      const c = await client.configmaps.create(configMap(ns, uniqueName('held'), { finalizers: ['example.com/hold'] }));
      const w = client.configmaps.watch({ namespace: ns, fieldSelector: `metadata.name=${c.metadata.name}`, resourceVersion: c.metadata.resourceVersion });
      const held = (await client.configmaps.delete(c.metadata.name!, ns)) as ConfigMap;
      expect(held.metadata.deletionTimestamp).toMatch(WHOLE_SECONDS);
      expect(held.metadata.finalizers).toEqual(['example.com/hold']);
      expect((await client.configmaps.get(c.metadata.name!, ns)).metadata.deletionTimestamp).toBe(held.metadata.deletionTimestamp);
      // Deleting again changes nothing.
      const again = (await client.configmaps.delete(c.metadata.name!, ns)) as ConfigMap;
      expect(again.metadata.resourceVersion).toBe(held.metadata.resourceVersion);
      // The controller that owns the finalizer removes it: the object goes, and the
      // answer is its final state (no finalizers, deletionTimestamp kept).
      const final = await client.configmaps.update({ ...held, metadata: { ...held.metadata, finalizers: [] } });
      expect(final.metadata.finalizers ?? []).toEqual([]);
      expect(final.metadata.deletionTimestamp).toBe(held.metadata.deletionTimestamp);
      expect(isNotFound(await rejection(client.configmaps.get(c.metadata.name!, ns)))).toBe(true);
      const evs = await takeEvents(w, 2);
      w.stop();
      expect(evs.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
      expect(evs[1]!.object.metadata.resourceVersion).toBe(final.metadata.resourceVersion);
    });

    it('propagationPolicy Foreground and Orphan are recorded as finalizers for the garbage collector', async () => {
      const { client, namespace: ns } = target();
      const fg = await client.configmaps.create(configMap(ns, uniqueName('fg')));
      const a = (await client.configmaps.delete(fg.metadata.name!, ns, { propagationPolicy: 'Foreground' })) as ConfigMap;
      expect([a.metadata.finalizers, Boolean(a.metadata.deletionTimestamp)]).toEqual([['foregroundDeletion'], true]);
      const or = await client.configmaps.create(configMap(ns, uniqueName('orphan')));
      const b = (await client.configmaps.delete(or.metadata.name!, ns, { propagationPolicy: 'Orphan' })) as ConfigMap;
      expect(b.metadata.finalizers).toEqual(['orphan']);
    });

    it('preconditions: a uid or resourceVersion that does not match is 409, and nothing is deleted', async () => {
      const { client, namespace: ns } = target();
      const c = await client.configmaps.create(configMap(ns, uniqueName('pre')));
      const err = await rejection(client.configmaps.delete(c.metadata.name!, ns, { preconditions: { uid: 'someone-else' } }));
      expect((err as { code?: number }).code).toBe(409);
      expect((await client.configmaps.get(c.metadata.name!, ns)).metadata.uid).toBe(c.metadata.uid);
    });

    it('the default namespace may not be deleted (403)', async () => {
      const { client } = target();
      expect(isForbidden(await rejection(client.namespaces.delete('default')))).toBe(true);
    });
  });

  describe('pod deletion', () => {
    it('a pod on no node goes at once; the answer is the pod', async () => {
      const { client, namespace: ns } = target();
      const p = await client.pods.create(pod(ns, uniqueName('unbound')));
      const res = (await client.pods.delete(p.metadata.name!, ns)) as Pod;
      expect([res.kind, res.metadata.uid]).toEqual(['Pod', p.metadata.uid]);
      expect(isNotFound(await rejection(client.pods.get(p.metadata.name!, ns)))).toBe(true);
    });

    it('a pod on a node is deleted gracefully: deletionTimestamp = now + grace, until the agent confirms', async () => {
      const { client, namespace: ns } = target();
      const p = await client.pods.create(pod(ns, uniqueName('graceful')));
      await client.pods.bind({ metadata: { name: p.metadata.name, namespace: ns }, target: { name: 'node-a' } });
      const bound = await client.pods.get(p.metadata.name!, ns);
      const w = client.pods.watch({ namespace: ns, fieldSelector: `metadata.name=${p.metadata.name}`, resourceVersion: bound.metadata.resourceVersion });
      const terminating = (await client.pods.delete(p.metadata.name!, ns)) as Pod;
      expect(terminating.kind).toBe('Pod');
      expect(terminating.metadata.deletionGracePeriodSeconds).toBe(30);
      expect(terminating.metadata.deletionTimestamp).toMatch(WHOLE_SECONDS);
      const graceMs = Date.parse(terminating.metadata.deletionTimestamp!) - Date.parse(p.metadata.creationTimestamp!);
      expect(graceMs).toBeGreaterThanOrEqual(30_000);
      expect(terminating.spec.nodeName).toBe('node-a');
      // Still there; a longer grace changes nothing; a shorter one moves the deadline.
      expect((await client.pods.get(p.metadata.name!, ns)).metadata.deletionTimestamp).toBe(terminating.metadata.deletionTimestamp);
      const longer = (await client.pods.delete(p.metadata.name!, ns, { gracePeriodSeconds: 60 })) as Pod;
      expect(longer.metadata.resourceVersion).toBe(terminating.metadata.resourceVersion);
      const shorter = (await client.pods.delete(p.metadata.name!, ns, { gracePeriodSeconds: 5 })) as Pod;
      expect(shorter.metadata.deletionGracePeriodSeconds).toBe(5);
      // The agent confirms: gone, and the answer is the pod as it was last.
      const gone = (await client.pods.delete(p.metadata.name!, ns, { gracePeriodSeconds: 0 })) as Pod;
      expect([gone.kind, gone.metadata.name]).toEqual(['Pod', p.metadata.name]);
      expect(isNotFound(await rejection(client.pods.get(p.metadata.name!, ns)))).toBe(true);
      const evs = await takeEvents(w, 3);
      w.stop();
      expect(evs.map((e) => e.type)).toEqual(['MODIFIED', 'MODIFIED', 'DELETED']);
    });

    it('a finished pod on a node goes at once', async () => {
      const { client, namespace: ns } = target();
      const p = await client.pods.create(pod(ns, uniqueName('done')));
      await client.pods.bind({ metadata: { name: p.metadata.name, namespace: ns }, target: { name: 'node-a' } });
      await client.pods.patchStatus(p.metadata.name!, ns, { status: { phase: 'Succeeded' } });
      await client.pods.delete(p.metadata.name!, ns);
      expect(isNotFound(await rejection(client.pods.get(p.metadata.name!, ns)))).toBe(true);
    });
  });
}
