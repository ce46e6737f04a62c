// `orch drain` against a real apiserver over a real etcd, next to `kubectl drain` v1.32 on
// an identical node: the same safety checks (pods without a controller, emptyDir data,
// DaemonSet pods), then with the overriding flags the same pods are removed and the same
// stay. No agent runs, so pods are removed with --grace-period=0. Whether the server
// serves pods/eviction or not (orch answers 404 without it), both tools end the same.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Node, Pod } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { assertBuilt } from '../helpers/orch-cli.js';

let s: TestApiServer;
let dir: string;
let client: ApiClient;
let clients: Clients;

const NODES = { orch: 'h17-cli-drain-o', kubectl: 'h17-cli-drain-k' } as const;

function pod(name: string, ns: string, extra: { owner?: string; emptyDir?: boolean } = {}): Pod {
  const p: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', image: 'orch.local/web:v1' }] } };
  if (extra.owner) p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: extra.owner, name: 'owner', uid: `uid-${extra.owner}`, controller: true }];
  if (extra.emptyDir) {
    p.spec.volumes = [{ name: 'scratch', emptyDir: {} }];
    p.spec.containers[0]!.volumeMounts = [{ name: 'scratch', mountPath: '/scratch' }];
  }
  return p;
}

beforeAll(async () => {
  assertBuilt();
  s = await startTestApiServer({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h17-cli-drain-'));
  clients = cliClients(s, dir);
  client = new ApiClient({ server: s.url, token: s.token, ca: s.ca });
  for (const [side, node] of Object.entries(NODES)) {
    await client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: node }, spec: {} } as Node);
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: side } });
    // A DaemonSet pod only on orch's node: kubectl looks its DaemonSet up (orch serves none) and fails differently.
    const daemon = side === 'orch' ? [pod('daemon', side, { owner: 'DaemonSet' })] : [];
    for (const p of [pod('managed', side, { owner: 'ReplicaSet' }), pod('bare', side), pod('scratch', side, { owner: 'ReplicaSet', emptyDir: true }), ...daemon]) {
      await client.pods.create(p);
      await client.pods.bind({ metadata: { name: p.metadata.name, namespace: side }, target: { name: node } });
    }
  }
}, 60_000);

afterAll(async () => {
  client?.close();
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const podsOn = async (side: keyof typeof NODES) => (await client.pods.list({ namespace: side })).items.map((p) => p.metadata.name).sort();

describe('orch drain', () => {
  test('refuses what kubectl refuses, and cordons first', async () => {
    const o = await clients.orch(['drain', NODES.orch, '--grace-period=0']);
    const k = await clients.kubectl(['drain', NODES.kubectl, '--grace-period=0']);
    expect(o.code).toBe(1);
    expect(k.code).not.toBe(0);
    expect(o.stdout).toMatch(new RegExp(`node/${NODES.orch} cordoned`));
    for (const re of [/cannot delete Pods that declare no controller \(use --force to override\): orch\/bare/, /cannot delete Pods with local storage \(use --delete-emptydir-data to override\): orch\/scratch/]) {
      expect(o.stderr).toMatch(re);
      expect(k.stderr).toMatch(new RegExp(re.source.replace('orch', 'kubectl')));
    }
    expect(o.stderr).toMatch(/cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\): orch\/daemon/);
    expect((await client.nodes.get(NODES.orch)).spec?.unschedulable).toBe(true);
    expect(await podsOn('orch')).toEqual(['bare', 'daemon', 'managed', 'scratch']);
    expect(await podsOn('kubectl')).toEqual(['bare', 'managed', 'scratch']);
  });

  test('with --force --ignore-daemonsets --delete-emptydir-data: the same pods go, DaemonSet pods stay', async () => {
    const flags = ['--force', '--ignore-daemonsets', '--delete-emptydir-data', '--grace-period=0', '--timeout=60s'];
    const o = await clients.orch(['drain', NODES.orch, ...flags]);
    const k = await clients.kubectl(['drain', NODES.kubectl, ...flags]);
    expect(o.code).toBe(0);
    expect(k.code).toBe(0);
    expect(o.stdout).toMatch(/node\/h17-cli-drain-o already cordoned/);
    expect(o.stdout).toMatch(/pod\/managed (evicted|deleted)/);
    expect(o.stdout).toMatch(/node\/h17-cli-drain-o drained/);
    expect(o.stderr).toMatch(/Warning: ignoring DaemonSet-managed Pods: orch\/daemon/);
    expect(o.stderr).toMatch(/Warning: deleting Pods that declare no controller: orch\/bare/);
    expect(await podsOn('orch')).toEqual(['daemon']);
    expect(await podsOn('kubectl')).toEqual([]);
    expect(k.stdout).toMatch(/pod\/managed (evicted|deleted)/);
  });
});
