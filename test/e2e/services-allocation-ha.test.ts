// Allocation across apiservers sharing one etcd: a race of creates through two servers
// never hands out an address or a node port twice and loses none; a new apiserver
// repairs allocation keys edited by hand; the `kubernetes` Service points at the
// apiservers that run (and a stopped one leaves).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import type { RawKeyStorage } from '../../apiserver/storage/types.js';
import { parseServiceRanges } from '../../apiserver/services/service-ranges.js';
import { findResource } from '../../api/resources.js';

const SVCS = '/api/v1/namespaces/default/services';
const IPS = '/registry/ranges/serviceips/';
const PORTS = '/registry/ranges/servicenodeports/';
let etcd: TestEtcd;

const raw = (s: TestApiServer) => s.storage as unknown as RawKeyStorage;

async function keyOwners(s: TestApiServer, prefix: string): Promise<Map<string, string>> {
  return new Map((await raw(s).listKeys(prefix)).items.map((k) => [k.key.slice(prefix.length), JSON.parse(k.value).name as string]));
}

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

test('two apiservers creating 200 Services at once hand out every ClusterIP and node port once, and lose none', async () => {
  // Small ranges, so the two servers' picks collide often (253 addresses for 200 Services,
  // 300 node ports for 200).
  const ranges = () => parseServiceRanges('10.98.0.0/24', '30000-30299');
  const a = await startTestApiServer({ etcd, prefix: '/race', server: { serviceRanges: ranges() } });
  const b = await startTestApiServer({ etcd, prefix: '/race', server: { serviceRanges: ranges() } });
  try {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const spec = i % 2 ? { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } : { ports: [{ port: 80 }] };
        return apiRequest(i % 2 ? a : b, 'POST', SVCS, { metadata: { name: `race-${i}` }, spec });
      }),
    );
    expect(results.filter((r) => r.status !== 201).map((r) => r.body)).toEqual([]);
    const ips = results.map((r) => r.body.spec.clusterIP as string);
    const ports = results.flatMap((r) => (r.body.spec.ports as { nodePort?: number }[]).map((p) => p.nodePort).filter((n) => n !== undefined));
    expect(new Set(ips).size).toBe(200);
    expect(ports.length).toBe(200);
    expect(new Set(ports).size).toBe(200);
    // Every one is held by its Service's key, and no key is held for nothing.
    const ipKeys = await keyOwners(a, IPS);
    const portKeys = await keyOwners(a, PORTS);
    expect(ipKeys.size).toBe(200);
    expect(portKeys.size).toBe(200);
    results.forEach((r) => expect(ipKeys.get(r.body.spec.clusterIP)).toBe(r.body.metadata.name));
    // Delete them all through both servers at once: every key goes.
    const deleted = await Promise.all(results.map((r, i) => apiRequest(i % 2 ? b : a, 'DELETE', `${SVCS}/${r.body.metadata.name}`)));
    expect(deleted.every((d) => d.status === 200)).toBe(true);
    expect((await keyOwners(a, IPS)).size + (await keyOwners(a, PORTS)).size).toBe(0);
  } finally {
    await b.stop();
    await a.stop();
  }
}, 120_000);

test('an apiserver starting repairs the keys: a hand-deleted one comes back, a hand-added one goes', async () => {
  const a = await startTestApiServer({ etcd, prefix: '/repair' });
  let b: TestApiServer | undefined;
  try {
    const made = await apiRequest(a, 'POST', SVCS, { metadata: { name: 'kept' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    const ip = made.body.spec.clusterIP as string;
    const port = String(made.body.spec.ports[0].nodePort);
    const [ipKey] = (await raw(a).listKeys(IPS)).items.filter((k) => k.key === IPS + ip);
    expect(await raw(a).writeKey(ipKey!.key, null, { modRevision: ipKey!.modRevision })).toBe(true);
    const orphan = JSON.stringify({ namespace: 'default', name: 'ghost', uid: 'x' });
    expect(await raw(a).writeKey(`${IPS}10.96.9.9`, orphan, { modRevision: 0 })).toBe(true);
    expect(await raw(a).writeKey(`${PORTS}31111`, orphan, { modRevision: 0 })).toBe(true);
    // Without the key the address looks free: repair is what protects it.
    b = await startTestApiServer({ etcd, prefix: '/repair' });
    expect(await keyOwners(a, IPS)).toEqual(new Map([[ip, 'kept']]));
    expect(await keyOwners(a, PORTS)).toEqual(new Map([[port, 'kept']]));
    const twice = await apiRequest(b, 'POST', SVCS, { metadata: { name: 'twice' }, spec: { clusterIP: ip, ports: [{ port: 80 }] } });
    expect([twice.status, twice.body.details?.causes?.[0]?.message]).toEqual([422, `Invalid value: "${ip}": provided IP is already allocated`]);
    const freed = await apiRequest(b, 'POST', SVCS, { metadata: { name: 'freed' }, spec: { clusterIP: '10.96.9.9', type: 'NodePort', ports: [{ port: 80, nodePort: 31111 }] } });
    expect(freed.status, JSON.stringify(freed.body)).toBe(201);
  } finally {
    await b?.stop();
    await a.stop();
  }
});

describe('the kubernetes Service', () => {
  const opts = { advertiseAddress: '127.0.0.1', renewIntervalMs: 100, leaseDurationSeconds: 2 };
  let a: TestApiServer;
  beforeAll(async () => {
    a = await startTestApiServer({ etcd, prefix: '/kube', server: { kubernetesService: opts } });
  });
  afterAll(async () => {
    await a?.stop();
  });
  const port = (s: TestApiServer) => Number(new URL(s.url).port);
  const endpointPorts = async () => {
    const ep = await apiRequest(a, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes');
    if (ep.status !== 200) return [];
    return (ep.body.subsets ?? []).flatMap((s: { addresses: { ip: string }[]; ports: { port: number }[] }) => s.addresses.map((x) => `${x.ip}:${s.ports[0]!.port}`)).sort();
  };

  test('is created with the first address of the range, port 443 https to the apiserver port, and endpoints for each running apiserver', async () => {
    const svc = await eventually('the kubernetes Service', async () => {
      const r = await apiRequest(a, 'GET', `${SVCS}/kubernetes`);
      return r.status === 200 ? r.body : undefined;
    });
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port(a) }] });
    expect(svc.spec.selector).toBeUndefined();
    await eventually('endpoints of apiserver A', async () => (await endpointPorts()).join() === `127.0.0.1:${port(a)}`);
    const b = await startTestApiServer({ etcd, prefix: '/kube', server: { kubernetesService: opts } });
    try {
      const both = [`127.0.0.1:${port(a)}`, `127.0.0.1:${port(b)}`].sort().join();
      await eventually('endpoints of both apiservers', async () => (await endpointPorts()).join() === both);
    } finally {
      await b.stop();
    }
    await eventually('the stopped apiserver to leave', async () => (await endpointPorts()).join() === `127.0.0.1:${port(a)}`);
  });

  // Runs once discovery.k8s.io/v1 endpointslices is registered (the EndpointSlice branch of issue 15).
  test.skipIf(!findResource('discovery.k8s.io', 'v1', 'endpointslices'))('the EndpointSlice kubernetes carries the same address', async () => {
    await eventually('the kubernetes EndpointSlice', async () => {
      const r = await apiRequest(a, 'GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes');
      return r.status === 200 && r.body.endpoints?.[0]?.addresses?.[0] === '127.0.0.1' && r.body.ports?.[0]?.port === port(a) && r.body.metadata.labels['kubernetes.io/service-name'] === 'kubernetes';
    });
  });

  test('an apiserver that stops renewing its lease leaves once the lease expires', async () => {
    const now = new Date().toISOString().replace('Z', '000Z');
    const lease = {
      metadata: { name: 'apiserver-gone', labels: { 'apiserver.kubernetes.io/identity': 'kube-apiserver' }, annotations: { 'orch.io/advertise-address': '10.9.9.9', 'orch.io/secure-port': '6443' } },
      spec: { holderIdentity: 'apiserver-gone', leaseDurationSeconds: 1, renewTime: now },
    };
    expect((await apiRequest(a, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases', lease)).status).toBe(201);
    await eventually('the crashed apiserver to appear', async () => (await endpointPorts()).includes('10.9.9.9:6443'));
    await eventually('the crashed apiserver to leave', async () => !(await endpointPorts()).includes('10.9.9.9:6443'));
  });

  test('a deleted kubernetes Service comes back with its address', async () => {
    expect((await apiRequest(a, 'DELETE', `${SVCS}/kubernetes`)).status).toBe(200);
    const back = await eventually('the kubernetes Service to be recreated', async () => {
      const r = await apiRequest(a, 'GET', `${SVCS}/kubernetes`);
      return r.status === 200 ? r.body : undefined;
    });
    expect(back.spec.clusterIP).toBe('10.96.0.1');
  });

  test('the first address is not handed to other Services', async () => {
    const r = await apiRequest(a, 'POST', SVCS, { metadata: { name: 'steal' }, spec: { clusterIP: '10.96.0.1', ports: [{ port: 80 }] } });
    expect([r.status, r.body.details?.causes?.[0]?.message]).toEqual([422, 'Invalid value: "10.96.0.1": provided IP is already allocated']);
  });
});
