// The pieces composed the way every controller uses them, against a real apiserver:
// informer handlers only enqueue keys; workers reconcile from the cache and write through
// the client; conflicts are retried with backoff; one key is never reconciled twice at once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { objectKey } from '../../api/resources.js';
import type { ConfigMap } from '../../api/types.js';
import { Informer } from '../../client/informer.js';
import { silentLogger } from '../../foundation/logger.js';
import { ApiClient } from '../../client/rest-client.js';
import { WorkQueue } from '../../client/work-queue.js';
import { done, runReconcileLoop, type Result } from '../../client/reconcile-loop.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventuallyMatch } from '../helpers/eventually.js';

let api: TestApiServer;
let client: ApiClient;
beforeAll(async () => {
  api = await startTestApiServer();
  client = new ApiClient({ server: api.url, token: api.token });
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ctl' } });
});
afterAll(async () => {
  client?.close();
  await api?.stop();
});

it('a mini controller copies data.want into data.have for every ConfigMap, under churn', async () => {
  const inf = new Informer<ConfigMap>(client.configmaps, { namespace: 'ctl' });
  const queue = new WorkQueue<string>({ baseDelayMs: 5, maxDelayMs: 200 });
  const enqueue = (o: ConfigMap) => queue.add(objectKey(o));
  inf.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue });
  const active = new Set<string>();
  let overlaps = 0;
  const reconcile = async (key: string): Promise<Result> => {
    if (active.has(key)) overlaps++;
    active.add(key);
    try {
      const cached = inf.get(key);
      if (!cached || cached.data?.have === cached.data?.want) return done;
      // Cached objects are frozen: build a new one rather than mutating.
      const next: ConfigMap = { ...cached, data: { ...cached.data, have: cached.data?.want ?? '' } };
      // A 409 (the user changed it meanwhile) throws: requeued with backoff, and the
      // informer brings the newer version for the next attempt.
      await client.configmaps.update(next);
      return done;
    } finally {
      active.delete(key);
    }
  };
  inf.start();
  await inf.waitForSync();
  const workers = runReconcileLoop({ queue, workers: 4, reconcile, logger: silentLogger() });
  try {
    const names = Array.from({ length: 30 }, (_, i) => `cm-${i}`);
    await Promise.all(names.map((n) => client.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'ctl' }, data: { want: 'v1' } })));
    // Churn: users change `want` while the controller works (conflicts are expected).
    for (let round = 2; round <= 4; round++) {
      await Promise.all(names.map((n) => client.configmaps.patch(n, 'ctl', { data: { want: `v${round}` } })));
    }
    await eventuallyMatch(
      '30 configmaps converged to v4',
      async () => (await client.configmaps.list({ namespace: 'ctl' })).items,
      (items) => items.length === 30 && items.every((c) => c.data?.have === 'v4'),
      30_000,
    );
    expect(overlaps).toBe(0);
  } finally {
    queue.shutDown();
    await workers;
    inf.stop();
    await inf.stopped();
  }
});
