// metrics.k8s.io/v1beta1 against a real etcd and apiserver: discovery, get and list of
// PodMetrics and NodeMetrics (one namespace, all, label and field selectors, Table),
// RBAC (403 without rights, view grants them), read-only verbs, nothing in etcd, and the
// scraper reading a real agent endpoint (agent/log-server.ts /stats/summary) over HTTP.

import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LogServer } from '../../agent/log-server.js';
import type { NodeSummary } from '../../api/metrics-types.js';
import { silentLogger } from '../../foundation/logger.js';
import { tokenAuthenticator } from '../../foundation/token-auth.js';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';

let s: TestApiServer;
let agent: LogServer;
const M = '/apis/metrics.k8s.io/v1beta1';
const time = '2026-01-01T00:00:00Z';
const stats = (nanoCores: number, bytes: number) => ({
  cpu: { time, usageNanoCores: nanoCores, usageCoreNanoSeconds: 1e9 },
  memory: { time, workingSetBytes: bytes, usageBytes: bytes + 4096 },
});

function summary(node: string, pods: Array<[ns: string, name: string, labels: Record<string, string>, cpu: number]>): NodeSummary {
  return {
    node: { nodeName: node, ...stats(500_000_000, 2 * 1024 ** 3) },
    windowSeconds: 5,
    pods: pods.map(([ns, name, labels, cpu]) => ({ podRef: { namespace: ns, name, uid: `${ns}-${name}` }, labels, containers: [{ name: 'main', ...stats(cpu, 64 * 1024 ** 2) }] })),
  };
}

beforeAll(async () => {
  s = await startTestApiServer({
    users: [{ name: 'nobody' }, { name: 'viewer' }],
    server: { agentClient: { token: 'apiserver-to-agent', insecureHttp: true }, metricResolutionMs: 60_000 },
  });
  // A real agent endpoint serving a fixed summary for node "scraped".
  agent = new LogServer({
    runtime: { listContainers: async () => [] } as never,
    nodeName: 'scraped',
    logger: silentLogger(),
    port: 0,
    host: '127.0.0.1',
    insecure: true,
    tokens: tokenAuthenticator([{ token: 'apiserver-to-agent', user: 'apiserver', uid: '', groups: [] }]),
    summary: () => summary('scraped', [['team', 'real', { app: 'real' }, 250_000_000]]),
  });
  await agent.start();
  await apiRequest(s, 'POST', '/api/v1/namespaces', { metadata: { name: 'team' } });
  await apiRequest(s, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings', {
    metadata: { name: 'viewer-view' },
    // The role metrics-server installs, aggregated into view/edit/admin by the controller manager (not running here).
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:aggregated-metrics-reader' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'viewer' }],
  });
  for (const name of ['n1', 'n2']) await apiRequest(s, 'POST', '/api/v1/nodes', { metadata: { name } });
  // Figures of nodes the scraper does not know are dropped when it lists the Nodes.
  await s.api.metricsScraper!.nodesSynced;
  const store = s.api.resourceMetrics!;
  store.ingest('n1', summary('n1', [['team', 'web-1', { app: 'web', tier: 'front' }, 100_000_000], ['team', 'db-0', { app: 'db' }, 20_000_000], ['default', 'x', {}, 1_000_000]]));
  store.ingest('n2', summary('n2', [['team', 'web-2', { app: 'web', tier: 'front' }, 300_000_000]]));
});

afterAll(async () => {
  await agent?.stop();
  await s?.stop();
});

describe('metrics.k8s.io', () => {
  test('discovery lists the group and its two read-only resources', async () => {
    const groups = await apiRequest(s, 'GET', '/apis');
    expect(groups.body.groups.find((g: { name: string }) => g.name === 'metrics.k8s.io')).toMatchObject({ preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1' } });
    const res = await apiRequest(s, 'GET', M);
    expect(res.body.resources).toEqual([
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ]);
  });

  test('PodMetrics: get, list in a namespace and across all, label and field selectors', async () => {
    const one = await apiRequest(s, 'GET', `${M}/namespaces/team/pods/web-1`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'web-1', namespace: 'team', labels: { app: 'web', tier: 'front' } },
      window: '5s',
      containers: [{ name: 'main', usage: { cpu: '100000000n', memory: '65536Ki' } }],
    });
    const team = await apiRequest(s, 'GET', `${M}/namespaces/team/pods`);
    expect(team.body.kind).toBe('PodMetricsList');
    expect(team.body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['db-0', 'web-1', 'web-2']);
    const all = await apiRequest(s, 'GET', `${M}/pods`);
    expect(all.body.items.map((p: { metadata: { namespace: string; name: string } }) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['default/x', 'team/db-0', 'team/web-1', 'team/web-2']);
    const web = await apiRequest(s, 'GET', `${M}/namespaces/team/pods?labelSelector=${encodeURIComponent('app=web,tier in (front)')}`);
    expect(web.body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['web-1', 'web-2']);
    const named = await apiRequest(s, 'GET', `${M}/pods?fieldSelector=metadata.name%3Ddb-0`);
    expect(named.body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['db-0']);
    const bad = await apiRequest(s, 'GET', `${M}/pods?labelSelector=${encodeURIComponent('a in (')}`);
    expect(bad.status).toBe(400);
    expect((await apiRequest(s, 'GET', `${M}/namespaces/team/pods/nope`)).status).toBe(404);
    expect((await apiRequest(s, 'GET', `${M}/namespaces/default/pods/web-1`)).status).toBe(404);
  });

  test('NodeMetrics: get and list; Table for kubectl get', async () => {
    const n = await apiRequest(s, 'GET', `${M}/nodes/n1`);
    expect(n.body).toMatchObject({ kind: 'NodeMetrics', metadata: { name: 'n1' }, usage: { cpu: '500000000n', memory: '2097152Ki' }, window: '5s' });
    const list = await apiRequest(s, 'GET', `${M}/nodes`);
    expect(list.body.items.map((x: { metadata: { name: string } }) => x.metadata.name)).toEqual(['n1', 'n2']);
    const res = await fetch(`${s.url}${M}/namespaces/team/pods`, { headers: { Authorization: `Bearer ${s.token}`, Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    const table = (await res.json()) as { kind: string; rows: Array<{ cells: unknown[] }> };
    expect(table.kind).toBe('Table');
    expect(table.rows.map((r) => r.cells)).toEqual([
      ['db-0', '20m', '64Mi', '5s'],
      ['web-1', '100m', '64Mi', '5s'],
      ['web-2', '300m', '64Mi', '5s'],
    ]);
  });

  test('read only: writes and watch are 405', async () => {
    expect((await apiRequest(s, 'POST', `${M}/namespaces/team/pods`, { metadata: { name: 'a' } })).status).toBe(405);
    expect((await apiRequest(s, 'DELETE', `${M}/namespaces/team/pods/web-1`)).status).toBe(405);
    expect((await apiRequest(s, 'PUT', `${M}/nodes/n1`, { metadata: { name: 'n1' } })).status).toBe(405);
    expect((await apiRequest(s, 'GET', `${M}/pods?watch=true`)).status).toBe(405);
  });

  test('authorization as for pods and nodes: 403 without rights; system:aggregated-metrics-reader bound in a namespace grants its pod metrics only', async () => {
    const nobody = await apiRequest(s, 'GET', `${M}/namespaces/team/pods`, undefined, { token: s.userTokens.nobody! });
    expect(nobody.status).toBe(403);
    expect(nobody.body.message).toContain('pods.metrics.k8s.io');
    expect((await apiRequest(s, 'GET', `${M}/nodes`, undefined, { token: s.userTokens.nobody! })).status).toBe(403);
    await eventually('the binding grants pod metrics in team', async () => (await apiRequest(s, 'GET', `${M}/namespaces/team/pods`, undefined, { token: s.userTokens.viewer! })).status === 200);
    expect((await apiRequest(s, 'GET', `${M}/namespaces/default/pods`, undefined, { token: s.userTokens.viewer! })).status).toBe(403);
    expect((await apiRequest(s, 'GET', `${M}/nodes`, undefined, { token: s.userTokens.viewer! })).status).toBe(403);
  });

  test('the scraper reads the agent endpoint of every Node; nothing reaches etcd', async () => {
    await apiRequest(s, 'POST', '/api/v1/nodes', {
      metadata: { name: 'scraped' },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: agent.port } } },
    });
    await eventually('the scraper knows the node', async () => {
      await s.api.metricsScraper!.scrapeAll();
      return (await apiRequest(s, 'GET', `${M}/nodes/scraped`)).status === 200;
    });
    const pod = await apiRequest(s, 'GET', `${M}/namespaces/team/pods/real`);
    expect(pod.body.containers).toEqual([{ name: 'main', usage: { cpu: '250000000n', memory: '65536Ki' } }]);
    const keys = spawnSync('etcdctl', ['--endpoints', s.etcd.endpoint, 'get', '', '--prefix', '--keys-only'], { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' });
    expect(keys.status).toBe(0);
    expect(keys.stdout).toContain('/nodes/scraped');
    expect(keys.stdout).not.toMatch(/\/metrics\.k8s\.io\/|podmetrics|nodemetrics/i);
    const reader = await apiRequest(s, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:aggregated-metrics-reader');
    expect(reader.body.metadata.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-view': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' });
  });

  test('a deleted Node takes its figures with it', async () => {
    await apiRequest(s, 'DELETE', '/api/v1/nodes/scraped');
    await eventually('node metrics gone', async () => (await apiRequest(s, 'GET', `${M}/nodes/scraped`)).status === 404);
    expect((await apiRequest(s, 'GET', `${M}/namespaces/team/pods/real`)).status).toBe(404);
  });
});
