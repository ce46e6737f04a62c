// List and watch: selectors, namespaces, paging, and the order and shape of watch events
// that informers build their caches from.

import { describe, expect, it } from 'vitest';
import { configMap, pod, takeEvents, uniqueName, type TargetOf } from './target.js';

export function readContract(target: TargetOf): void {
  describe('list', () => {
    it('label selectors (=, !=, in, notin, exists, !exists) and field selectors', async () => {
      const { client, namespace: ns } = target();
      const tag = uniqueName('sel');
      await client.pods.create(pod(ns, `${tag}-a`, { labels: { set: tag, tier: 'web' } }));
      await client.pods.create(pod(ns, `${tag}-b`, { labels: { set: tag, tier: 'db' } }));
      await client.pods.create(pod(ns, `${tag}-c`, { labels: { set: tag } }));
      const names = async (labelSelector: string, fieldSelector?: string) =>
        (await client.pods.list({ namespace: ns, labelSelector: `set=${tag},${labelSelector}`, fieldSelector })).items.map((p) => p.metadata.name!.slice(tag.length + 1)).sort();
      expect(await names('tier=web')).toEqual(['a']);
      expect(await names('tier!=web')).toEqual(['b', 'c']);
      expect(await names('tier in (web,db)')).toEqual(['a', 'b']);
      expect(await names('tier notin (web)')).toEqual(['b', 'c']);
      expect(await names('tier')).toEqual(['a', 'b']);
      expect(await names('!tier')).toEqual(['c']);
      expect(await names('tier', `metadata.name=${tag}-b`)).toEqual(['b']);
      expect(await names('tier', 'status.phase=Pending')).toEqual(['a', 'b']);
      expect(await names('tier', 'spec.nodeName=')).toEqual(['a', 'b']);
    });

    it('a namespace scopes the list; the list resourceVersion is at least every item\'s', async () => {
      const { client, namespace: ns } = target();
      const name = uniqueName('scoped');
      const c = await client.configmaps.create(configMap(ns, name));
      const here = await client.configmaps.list({ namespace: ns });
      expect(here.items.map((x) => x.metadata.name)).toContain(name);
      expect(here.items.every((x) => x.metadata.namespace === ns)).toBe(true);
      expect(Number(here.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(c.metadata.resourceVersion));
      const elsewhere = await client.configmaps.list({ namespace: `${ns}-other`, fieldSelector: `metadata.name=${name}` });
      expect(elsewhere.items).toEqual([]);
    });

    it('limit and continue page through a list without losing or repeating items', async () => {
      const { client, namespace: ns } = target();
      const tag = uniqueName('page');
      for (const i of [1, 2, 3, 4, 5]) await client.configmaps.create(configMap(ns, `${tag}-${i}`, { labels: { page: tag } }));
      const seen: string[] = [];
      let cont: string | undefined;
      do {
        const page = await client.configmaps.list({ namespace: ns, labelSelector: `page=${tag}`, limit: 2, continue: cont });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((x) => x.metadata.name!));
        cont = page.metadata.continue || undefined;
      } while (cont);
      expect(seen.sort()).toEqual([1, 2, 3, 4, 5].map((i) => `${tag}-${i}`));
    });
  });

  describe('watch', () => {
    it('from a list resourceVersion: every change in order, with increasing resourceVersions, DELETED last', async () => {
      const { client, namespace: ns } = target();
      const tag = uniqueName('watch');
      const list = await client.configmaps.list({ namespace: ns, labelSelector: `w=${tag}` });
      const w = client.configmaps.watch({ namespace: ns, labelSelector: `w=${tag}`, resourceVersion: list.metadata.resourceVersion });
      const c = await client.configmaps.create(configMap(ns, `${tag}-x`, { labels: { w: tag } }));
      await client.configmaps.patch(c.metadata.name!, ns, { data: { k: 'v2' } });
      await client.configmaps.create(configMap(ns, `${tag}-y`, { labels: { w: tag } }));
      await client.configmaps.delete(c.metadata.name!, ns);
      const evs = await takeEvents(w, 4);
      w.stop();
      expect(evs.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([`ADDED ${tag}-x`, `MODIFIED ${tag}-x`, `ADDED ${tag}-y`, `DELETED ${tag}-x`]);
      const rvs = evs.map((e) => Number(e.object.metadata.resourceVersion));
      expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
      expect(new Set(rvs).size).toBe(4);
      expect(evs[1]!.object.data).toEqual({ k: 'v2' });
    });

    it('without a resourceVersion the current objects come first as ADDED', async () => {
      const { client, namespace: ns } = target();
      const tag = uniqueName('initial');
      await client.configmaps.create(configMap(ns, `${tag}-a`, { labels: { w: tag } }));
      const w = client.configmaps.watch({ namespace: ns, labelSelector: `w=${tag}` });
      const [first] = await takeEvents(w, 1);
      w.stop();
      expect(`${first!.type} ${first!.object.metadata.name}`).toBe(`ADDED ${tag}-a`);
    });

    it('an object that stops matching the selector is DELETED for that watcher, and ADDED when it matches again', async () => {
      const { client, namespace: ns } = target();
      const tag = uniqueName('transit');
      const c = await client.configmaps.create(configMap(ns, `${tag}-a`, { labels: { w: tag } }));
      const w = client.configmaps.watch({ namespace: ns, labelSelector: `w=${tag}`, resourceVersion: c.metadata.resourceVersion });
      await client.configmaps.patch(c.metadata.name!, ns, { metadata: { labels: { w: 'elsewhere' } } });
      await client.configmaps.patch(c.metadata.name!, ns, { metadata: { labels: { w: tag } } });
      const evs = await takeEvents(w, 2);
      w.stop();
      expect(evs.map((e) => e.type)).toEqual(['DELETED', 'ADDED']);
    });
  });
}
