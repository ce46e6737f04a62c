// Informer against a real apiserver over a real etcd: list + watch, relist after 410
// (etcd compacted while the informer was disconnected), and surviving an API server
// outage. The outage is a TCP proxy in front of the apiserver that the test cuts and
// restores on the same port, which is exactly what a restarting apiserver looks like to
// a client (connections reset, then refused, then accepted again).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap } from '../../api/types.js';
import { Informer } from '../../client/informer.js';
import { ApiClient } from '../../client/rest-client.js';
import type { ResourceClient } from '../../client/types.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';

class CuttableProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Reset every connection and stop accepting (connect: ECONNREFUSED). */
  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

let api: TestApiServer;
let direct: ApiClient;

beforeAll(async () => {
  // Frequent bookmarks so the bookmark test needs no long wait.
  api = await startTestApiServer({ server: { watchBookmarkIntervalMs: 200 } });
  direct = new ApiClient({ server: api.url, token: api.token });
});
afterAll(async () => {
  direct?.close();
  await api?.stop();
});

const cm = (name: string, ns: string, data: Record<string, string> = { v: '1' }): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data,
});

function record(inf: Informer<ConfigMap>): string[] {
  const log: string[] = [];
  inf.addEventHandler({
    onAdd: (o) => log.push(`add ${o.metadata.name}`),
    onUpdate: (a, b) => {
      if (a !== b) log.push(`update ${b.metadata.name} ${JSON.stringify(b.data)}`);
    },
    onDelete: (o) => log.push(`delete ${o.metadata.name}`),
  });
  return log;
}

/** Counts list calls, to prove a relist happened (or did not). */
function countingLists<T extends ConfigMap>(rc: ResourceClient<T>): { rc: ResourceClient<T>; lists: () => number } {
  let n = 0;
  const wrapped: ResourceClient<T> = Object.create(rc);
  wrapped.list = (opts) => {
    n++;
    return rc.list(opts);
  };
  wrapped.watch = (opts) => rc.watch(opts);
  return { rc: wrapped, lists: () => n };
}

async function makeNamespace(name: string): Promise<void> {
  await direct.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

describe('Informer against the real apiserver', () => {
  it('lists existing objects, then receives adds, updates and deletes through the watch', async () => {
    await makeNamespace('inf-a');
    await direct.configmaps.create(cm('pre', 'inf-a'));
    const inf = new Informer<ConfigMap>(direct.configmaps, { namespace: 'inf-a' });
    const log = record(inf);
    inf.start();
    try {
      await inf.waitForSync();
      expect(inf.list().map((c) => c.metadata.name)).toEqual(['pre']);
      expect(inf.get('inf-a/pre')!.kind).toBe('ConfigMap');
      await direct.configmaps.create(cm('x', 'inf-a'));
      await direct.configmaps.patch('x', 'inf-a', { data: { v: '2' } });
      await direct.configmaps.delete('pre', 'inf-a');
      await direct.configmaps.create(cm('elsewhere', 'default')); // other namespace: not seen
      await eventually('four events', () => log.length === 4, 30_000);
      expect(log).toEqual(['add pre', 'add x', 'update x {"v":"2"}', 'delete pre']);
      expect(inf.list().map((c) => c.metadata.name)).toEqual(['x']);
      expect(Object.isFrozen(inf.get('inf-a/x')!.data)).toBe(true);
    } finally {
      inf.stop();
      await inf.stopped();
    }
  });

  it('relists after 410 and emits exactly the differences', async () => {
    await makeNamespace('inf-b');
    for (const n of ['keep', 'change', 'remove']) await direct.configmaps.create(cm(n, 'inf-b'));
    const proxy = new CuttableProxy({ host: '127.0.0.1', port: Number(new URL(api.url).port) });
    await proxy.start();
    const viaProxy = new ApiClient({ server: `http://127.0.0.1:${proxy.port}`, token: api.token, timeoutMs: 2000 });
    const counted = countingLists(viaProxy.configmaps);
    const inf = new Informer<ConfigMap>(counted.rc, { namespace: 'inf-b', backoff: { initialMs: 50, maxMs: 500 } });
    const log = record(inf);
    inf.start();
    try {
      await inf.waitForSync();
      expect(counted.lists()).toBe(1);
      log.length = 0;
      await proxy.cut();
      await direct.configmaps.patch('change', 'inf-b', { data: { v: '2' } });
      await direct.configmaps.delete('remove', 'inf-b');
      await direct.configmaps.create(cm('new', 'inf-b'));
      // The informer's resourceVersion is now older than etcd's history.
      await api.storage.compact(await api.storage.currentRevision());
      await proxy.start();
      await eventually('relist diff', () => log.length >= 3, 30_000);
      // It keeps watching after the relist, and a later write arrives after anything the
      // relist still had to emit: once it is in, the log is complete.
      await direct.configmaps.create(cm('after', 'inf-b'));
      await eventually('event after relist', () => log.includes('add after'), 30_000);
      expect([...log].sort()).toEqual(['add after', 'add new', 'delete remove', 'update change {"v":"2"}']);
      expect(counted.lists()).toBe(2);
      expect(inf.list().map((c) => c.metadata.name).sort()).toEqual(['after', 'change', 'keep', 'new']);
    } finally {
      inf.stop();
      await inf.stopped();
      viaProxy.close();
      await proxy.cut().catch(() => {});
    }
  });

  it('survives an API server outage: keeps retrying, then resumes from its resourceVersion without relisting', async () => {
    await makeNamespace('inf-c');
    const proxy = new CuttableProxy({ host: '127.0.0.1', port: Number(new URL(api.url).port) });
    await proxy.start();
    const viaProxy = new ApiClient({ server: `http://127.0.0.1:${proxy.port}`, token: api.token, timeoutMs: 2000 });
    const counted = countingLists(viaProxy.configmaps);
    const inf = new Informer<ConfigMap>(counted.rc, { namespace: 'inf-c', backoff: { initialMs: 50, maxMs: 400 } });
    const log = record(inf);
    inf.start();
    try {
      await inf.waitForSync();
      await direct.configmaps.create(cm('a', 'inf-c'));
      await eventually('first add', () => log.length === 1, 30_000);
      await proxy.cut();
      // Several failed reconnects happen during this outage.
      await new Promise((r) => setTimeout(r, 1500));
      await direct.configmaps.create(cm('b', 'inf-c'));
      await direct.configmaps.patch('a', 'inf-c', { data: { v: '9' } });
      await proxy.start();
      await eventually('events missed during the outage', () => log.length === 3, 30_000);
      expect(log).toEqual(['add a', 'add b', 'update a {"v":"9"}']);
      expect(counted.lists()).toBe(1);
    } finally {
      inf.stop();
      await inf.stopped();
      viaProxy.close();
      await proxy.cut().catch(() => {});
    }
  });

  it('rides out an etcd outage behind a running apiserver and catches up afterwards', async () => {
    const own = await startTestApiServer();
    const c = new ApiClient({ server: own.url, token: own.token, timeoutMs: 3000 });
    const inf = new Informer<ConfigMap>(c.configmaps, { namespace: 'default', backoff: { initialMs: 100, maxMs: 1000 } });
    const log = record(inf);
    inf.start();
    try {
      await inf.waitForSync();
      await c.configmaps.create(cm('before', 'default'));
      await eventually('add before the outage', () => log.includes('add before'), 30_000);
      await own.etcd.pause();
      await new Promise((r) => setTimeout(r, 1000));
      await own.etcd.resume();
      // Writes can fail for a moment while the apiserver reconnects to etcd.
      await eventually('a create to succeed after the outage', async () => !!(await c.configmaps.create(cm('after', 'default'))), 30_000, 200);
      await eventually('add after the outage', () => log.includes('add after'), 30_000);
      expect(inf.list().map((o) => o.metadata.name).sort()).toEqual(['after', 'before']);
      expect(log.filter((l) => l === 'add before')).toHaveLength(1);
    } finally {
      inf.stop();
      await inf.stopped();
      c.close();
      await own.stop();
    }
  });

  it('bookmarks keep the resourceVersion fresh while nothing in its selection changes', async () => {
    await makeNamespace('inf-d');
    // Writes in the watched namespace that the label selector filters out: the informer
    // never sees them as events, only through BOOKMARK resourceVersions.
    const inf = new Informer<ConfigMap>(direct.configmaps, { namespace: 'inf-d', labelSelector: 'app=watched' });
    inf.start();
    try {
      await inf.waitForSync();
      const listedRV = Number(inf.lastSyncResourceVersion());
      let last = 0;
      for (let i = 0; i < 3; i++) last = Number((await direct.configmaps.create(cm(`noise-${i}`, 'inf-d'))).metadata.resourceVersion);
      expect(last).toBeGreaterThan(listedRV);
      await eventually('a bookmark past the unrelated writes', () => Number(inf.lastSyncResourceVersion()) >= last, 30_000);
      expect(inf.list()).toHaveLength(0);
    } finally {
      inf.stop();
      await inf.stopped();
    }
  });

  it('lists in consistent pages: 250 objects with pages of 40, while writes continue', async () => {
    await makeNamespace('inf-e');
    await Promise.all(Array.from({ length: 250 }, (_, i) => direct.configmaps.create(cm(`item-${String(i).padStart(3, '0')}`, 'inf-e'))));
    const counted = countingLists(direct.configmaps);
    const inf = new Informer<ConfigMap>(counted.rc, { namespace: 'inf-e', pageSize: 40 });
    const log = record(inf);
    inf.start();
    // Writes racing the paged list: each must show up exactly once (via the list or the watch).
    const racing = Promise.all(Array.from({ length: 20 }, (_, i) => direct.configmaps.create(cm(`late-${i}`, 'inf-e'))));
    try {
      await inf.waitForSync();
      expect(counted.lists()).toBe(7); // ceil(250+ / 40) pages of one list
      await racing;
      await eventually('all 270 objects', () => inf.list().length === 270, 30_000);
      expect(log.filter((l) => l.startsWith('add'))).toHaveLength(270);
      expect(new Set(log).size).toBe(270);
    } finally {
      inf.stop();
      await inf.stopped();
    }
  });
});
