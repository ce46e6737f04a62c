// The node IPAM controller against a real apiserver + etcd: two controller managers
// (no leader election) allocating for 50 Nodes at once, a crash between reserving and
// writing, release on delete, an exhausted range, a record rebuilt from the Nodes after
// a restart, dual stack, and what the real kubectl shows.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyRecord, POD_NETWORK_CONFIGMAP, POD_NETWORK_NAMESPACE, recordFromConfigMap, recordToData } from '../../api/net/pod-network.js';
import type { ConfigMap, Event, Node } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import type { Client } from '../../client/types.js';
import { silentLogger } from '../../foundation/logger.js';
import { startTestApiServer, type TestApiServer } from '../../test/helpers/apiserver.js';
import { eventually } from '../../test/helpers/eventually.js';
import { ControllerManager } from '../manager.js';
import { podNetworkPlan, type PodNetworkFlags } from './config.js';
import { CIDR_NOT_AVAILABLE_EVENT, NO_POD_CIDR_REASON, type NodeIpamController } from './controller.js';

let api: TestApiServer | undefined;
const managers: ControllerManager[] = [];
let tmp: string | undefined;

afterEach(async () => {
  for (const m of managers.splice(0)) await m.stop().catch(() => undefined);
  await api?.stop();
  api = undefined;
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

async function startApi(): Promise<ApiClient> {
  api = await startTestApiServer({ tls: true });
  const client = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  for (const ns of ['default', 'kube-system']) {
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch((err: { code?: number }) => {
      if (err.code !== 409) throw err;
    });
  }
  return client;
}

/** A controller manager running only the node IPAM controller, with its own connection. */
async function startManager(flags: Partial<PodNetworkFlags> = {}, exhaustedRetryMs?: number, wrap: (c: Client) => Client = (c) => c): Promise<ControllerManager> {
  const client = wrap(new ApiClient({ server: api!.url, token: api!.token, ca: api!.ca }));
  const plan = podNetworkPlan({ clusterCidr: '10.244.0.0/16', ...flags });
  const m = new ControllerManager({ client, logger: silentLogger(), controllers: ['nodeipam'], podNetwork: { plan, exhaustedRetryMs } });
  managers.push(m);
  await m.start();
  return m;
}

/** `client` with some methods of one resource client replaced (fault and ordering injection). */
function override<K extends 'nodes' | 'configmaps'>(client: Client, resource: K, methods: Partial<Client[K]>): Client {
  const rc = Object.assign(Object.create(client[resource]) as Client[K], methods);
  return new Proxy(client, { get: (t, p) => (p === resource ? rc : Reflect.get(t, p, t)) });
}

/**
 * Both managers' first reservation is held until both have chosen, on the same version of
 * the record: a guaranteed race for one block. The second manager also lists the Nodes in
 * the opposite order, so the two choose the same block for different nodes (with
 * identical orders they would choose identically and a broken compare-and-swap could go
 * unnoticed).
 */
function racingPair(): [(c: Client) => Client, (c: Client) => Client] {
  let arrived = 0;
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const holdFirstUpdate = (c: Client): Client => {
    let held = false;
    return override(c, 'configmaps', {
      update: async (cm) => {
        if (!held) {
          held = true;
          if (++arrived === 2) open();
          await gate;
        }
        return c.configmaps.update(cm);
      },
    });
  };
  const backwards = (c: Client): Client =>
    override(c, 'nodes', {
      list: async (opts) => {
        const l = await c.nodes.list(opts);
        return { ...l, items: [...l.items].reverse() };
      },
    });
  return [holdFirstUpdate, (c) => backwards(holdFirstUpdate(c))];
}

const ipam = (m: ControllerManager) => m.controllers.find((c) => c.name === 'nodeipam') as NodeIpamController;
const newNode = (name: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {} });

async function storedRecord(client: ApiClient) {
  return recordFromConfigMap(await client.configmaps.get(POD_NETWORK_CONFIGMAP, POD_NETWORK_NAMESPACE))!;
}

async function podCIDRsOf(client: ApiClient): Promise<Record<string, string[] | undefined>> {
  const nodes = (await client.nodes.list()).items;
  return Object.fromEntries(nodes.map((n) => [n.metadata.name!, n.spec.podCIDRs]));
}

function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), 'orch-nodeipam-kubectl-'));
  fs.writeFileSync(path.join(tmp, 'ca.pem'), api!.ca!);
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--server', api!.url, '--token', api!.token, '--certificate-authority', path.join(tmp!, 'ca.pem'), '--cache-dir', path.join(tmp!, 'cache'), ...args],
      { timeout: 60_000, env: { ...process.env, KUBECONFIG: path.join(tmp!, 'none') } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('node IPAM controller (real apiserver)', () => {
  it('two controller managers racing for 50 Nodes created at once (then 20 more): distinct ranges, the record agrees, kubectl shows them', async () => {
    const client = await startApi();
    const names = Array.from({ length: 50 }, (_, i) => `node-${String(i).padStart(2, '0')}`);
    await Promise.all(names.map((n) => client.nodes.create(newNode(n))));
    const [first, second] = racingPair();
    const [a, b] = await Promise.all([startManager({}, undefined, first), startManager({}, undefined, second)]);

    const all = await eventually('every node has a pod CIDR', async () => {
      const m = await podCIDRsOf(client);
      return names.every((n) => m[n]?.length === 1) ? m : undefined;
    });
    const ranges = names.map((n) => all[n]![0]!);
    expect(new Set(ranges).size).toBe(50);
    for (const r of ranges) expect(r).toMatch(/^10\.244\.\d+\.0\/24$/);
    const nodes = (await client.nodes.list()).items;
    for (const n of nodes) expect(n.spec.podCIDR).toBe(n.spec.podCIDRs![0]);
    // The record holds exactly the Nodes' ranges (nothing reserved twice, no leftovers).
    await eventually('record matches the Nodes', async () => {
      const rec = await storedRecord(client);
      return JSON.stringify(rec.allocations) === JSON.stringify(Object.fromEntries(names.map((n) => [n, all[n]]))) || undefined;
    });
    // Both managers took part (each wrote Nodes), and the race on the record was resolved by re-reading.
    expect(ipam(a).nodesWritten).toBeGreaterThan(0);
    expect(ipam(b).nodesWritten).toBeGreaterThan(0);
    expect(ipam(a).store.conflicts + ipam(b).store.conflicts).toBeGreaterThan(0);

    // A second wave while both run (seen through their watches): still no range twice.
    const more = Array.from({ length: 20 }, (_, i) => `late-${String(i).padStart(2, '0')}`);
    await Promise.all(more.map((n) => client.nodes.create(newNode(n))));
    const everything = await eventually('the late nodes have pod CIDRs', async () => {
      const m = await podCIDRsOf(client);
      return more.every((n) => m[n]?.length === 1) ? m : undefined;
    });
    const allRanges = Object.values(everything).map((c) => c![0]!);
    expect(allRanges).toHaveLength(70);
    expect(new Set(allRanges).size).toBe(70);

    const r = await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].spec.podCIDR}']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split(/\s+/).sort()).toEqual([...allRanges].sort());
  });

  it('a crash between reserving and writing: the Node gets exactly the reserved range', async () => {
    const client = await startApi();
    const rec = { ...emptyRecord(['10.244.0.0/16'], [24]), allocations: { crashed: ['10.244.42.0/24'] } };
    await client.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: POD_NETWORK_CONFIGMAP, namespace: POD_NETWORK_NAMESPACE }, data: recordToData(rec) });
    await client.nodes.create(newNode('crashed'));
    await client.nodes.create(newNode('other'));
    await startManager();
    const m = await eventually('both nodes allocated', async () => {
      const x = await podCIDRsOf(client);
      return x.crashed && x.other ? x : undefined;
    });
    expect(m.crashed).toEqual(['10.244.42.0/24']);
    expect(m.other).toEqual(['10.244.0.0/24']);
  });

  it('a controller manager killed after reserving, before writing the Node: the next one writes exactly that reservation', async () => {
    const client = await startApi();
    // The first manager's Node write never arrives (the process "dies" right there).
    const stuckBeforeNodeWrite = (c: Client) => override(c, 'nodes', { patch: () => new Promise<never>(() => undefined) });
    const first = await startManager({}, undefined, stuckBeforeNodeWrite);
    await client.nodes.create(newNode('zz-crashed'));
    const reserved = await eventually('reservation stored', async () => (await storedRecord(client).catch(() => undefined))?.allocations['zz-crashed']);
    first.kill();
    managers.splice(managers.indexOf(first), 1);
    expect((await client.nodes.get('zz-crashed')).spec.podCIDRs).toBeUndefined();
    // A node the next manager sees first (names list in order) must not get the reserved block.
    await client.nodes.create(newNode('aa-new'));
    await startManager();
    const m = await eventually('both allocated', async () => {
      const x = await podCIDRsOf(client);
      return x['zz-crashed'] && x['aa-new'] ? x : undefined;
    });
    expect(m['zz-crashed']).toEqual(reserved);
    expect(m['aa-new']).not.toEqual(reserved);
  });

  it('exhausted: condition and Warning Event, the controller keeps going, and a deleted Node\'s range is released and reused', async () => {
    const client = await startApi();
    const m = await startManager({ clusterCidr: '10.244.0.0/23', nodeCidrMaskSize: 24 }, 60_000);
    await client.nodes.create(newNode('n1'));
    await client.nodes.create(newNode('n2'));
    await eventually('n1 and n2 allocated', async () => {
      const x = await podCIDRsOf(client);
      return x.n1 && x.n2;
    });
    await client.nodes.create(newNode('n3'));
    const cond = await eventually('n3 has NetworkUnavailable', async () => (await client.nodes.get('n3')).status?.conditions?.find((c) => c.type === 'NetworkUnavailable'));
    expect(cond).toMatchObject({ status: 'True', reason: NO_POD_CIDR_REASON });
    expect(cond.message).toContain('10.244.0.0/23');
    const ev = await eventually('CIDRNotAvailable event', async () =>
      (await client.events.list({ namespace: 'default' })).items.find((e: Event) => e.involvedObject.name === 'n3' && e.reason === CIDR_NOT_AVAILABLE_EVENT),
    );
    expect(ev.type).toBe('Warning');
    expect((await client.nodes.get('n3')).spec.podCIDRs).toBeUndefined();
    expect(m.healthy()).toBe(true);

    const freed = (await client.nodes.get('n1')).spec.podCIDRs;
    await client.nodes.delete('n1');
    const n3 = await eventually('n3 gets the freed range', async () => {
      const n = await client.nodes.get('n3');
      return n.spec.podCIDRs ? n : undefined;
    });
    expect(n3.spec.podCIDRs).toEqual(freed);
    await eventually('condition cleared', async () => !(await client.nodes.get('n3')).status?.conditions?.some((c) => c.reason === NO_POD_CIDR_REASON));
    const rec = await storedRecord(client);
    expect(rec.allocations.n1).toBeUndefined();
    expect(rec.allocations.n3).toEqual(freed);
  });

  it('on restart the ranges are re-read: a deleted record is rebuilt from the Nodes, nothing handed out twice', async () => {
    const client = await startApi();
    const first = await startManager();
    for (const n of ['a', 'b', 'c']) await client.nodes.create(newNode(n));
    const before = await eventually('a, b, c allocated', async () => {
      const x = await podCIDRsOf(client);
      return x.a && x.b && x.c ? x : undefined;
    });
    await first.stop();
    await client.configmaps.delete(POD_NETWORK_CONFIGMAP, POD_NETWORK_NAMESPACE);
    await startManager();
    await client.nodes.create(newNode('d'));
    const after = await eventually('d allocated', async () => {
      const x = await podCIDRsOf(client);
      return x.d ? x : undefined;
    });
    expect([before.a, before.b, before.c].map((r) => r![0])).not.toContain(after.d![0]);
    const rec = await storedRecord(client);
    expect(rec.allocations).toEqual({ a: before.a, b: before.b, c: before.c, d: after.d });
  });

  it('dual stack: one range per family, IPv4 first', async () => {
    const client = await startApi();
    await startManager({ clusterCidr: '10.244.0.0/16,fd00:10:244::/56' });
    await client.nodes.create(newNode('d1'));
    await client.nodes.create(newNode('d2'));
    const x = await eventually('both allocated', async () => {
      const m = await podCIDRsOf(client);
      return m.d1 && m.d2 ? m : undefined;
    });
    for (const n of ['d1', 'd2']) {
      expect(x[n]).toHaveLength(2);
      expect(x[n]![0]).toMatch(/^10\.244\.\d+\.0\/24$/);
      expect(x[n]![1]).toMatch(/^fd00:10:244:[0-9a-f]*:*\/64$/);
    }
    expect(x.d1![1]).not.toBe(x.d2![1]);
    expect((await client.nodes.get('d1')).spec.podCIDR).toBe(x.d1![0]);
  });
});
