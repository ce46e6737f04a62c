// The endpoint controllers in the real controller manager against a real apiserver and
// etcd: pods (bound and marked Ready by the stand-in, each with its own IP) become
// EndpointSlices and the legacy Endpoints object; readiness, termination and deletion
// flow through; slices are updated in place, owned by the Service and removed with it;
// selector-less Services keep their hand-written slices; LoadBalancer status lists the
// nodes' addresses.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Endpoints, EndpointSlice, Node, Pod, Service } from '../../api/types.js';
import type { ResourceClient } from '../../client/types.js';
import { startHarness, waitFor, type Harness } from './controller-helpers.js';

let h: Harness;
let slices: ResourceClient<EndpointSlice>;
/** Pods whose deletion the stand-in does not confirm yet (they stay Terminating). */
const holdDeletion = new Set<string>();
/** Pods the stand-in leaves unready. */
const unready = new Set<string>();
let nextIp = 10;
const ips = new Map<string, string>();

beforeAll(async () => {
  h = await startHarness({
    nodes: ['node-1', 'node-2'],
    standIn: {
      pickNode: (p) => p.metadata.labels?.node ?? 'node-1',
      confirmDeletion: (p) => !holdDeletion.has(p.metadata.name!),
      ready: (p) => !unready.has(p.metadata.name!),
      podIP: (p) => {
        if (!ips.has(p.metadata.uid!)) ips.set(p.metadata.uid!, `10.244.${nextIp >> 8}.${nextIp++ & 255}`);
        return ips.get(p.metadata.uid!)!;
      },
    },
  });
  slices = h.client.resource<EndpointSlice>('endpointslices');
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

function pod(name: string, labels: Record<string, string>, port = 8080): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: { containers: [{ name: 'c', image: 'orch.local/busybox:latest', ports: [{ name: 'http', containerPort: port }] }] },
  };
}

function service(name: string, spec: Partial<Service['spec']>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...spec } };
}

const sliceList = async (svc: string) => (await slices.list({ namespace: 'default', labelSelector: `kubernetes.io/service-name=${svc}` })).items;
const endpointsOf = async (svc: string): Promise<Endpoints | undefined> => h.client.endpoints.get(svc, 'default').catch(() => undefined);
const readyAddrs = (ss: EndpointSlice[]) => ss.flatMap((s) => s.endpoints.filter((e) => e.conditions?.ready).map((e) => e.addresses[0]!)).sort();

describe('EndpointSlice and Endpoints controllers', () => {
  test('pods become endpoints; unready, terminating and deleted pods flow through; slices are updated in place', async () => {
    const svc = await h.client.services.create(service('web', { selector: { app: 'web' } }));
    for (const n of ['web-1', 'web-2', 'web-3']) await h.client.pods.create(pod(n, { app: 'web', ...(n === 'web-3' ? { node: 'node-2' } : {}) }, n === 'web-3' ? 9090 : 8080));
    await h.client.pods.create(pod('other', { app: 'other' }));

    await waitFor('three ready endpoints', async () => readyAddrs(await sliceList('web')).length === 3);
    let ss = await sliceList('web');
    // web-3 listens on 9090 under the same port name: its own slice.
    expect(ss.map((s) => s.ports?.[0]?.port).sort()).toEqual([8080, 9090]);
    for (const s of ss) {
      expect(s.metadata.labels).toMatchObject({ 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.orch.io' });
      expect(s.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true })]);
      expect(s.addressType).toBe('IPv4');
    }
    const web3 = ss.find((s) => s.ports?.[0]?.port === 9090)!.endpoints[0]!;
    expect(web3).toMatchObject({ nodeName: 'node-2', targetRef: { kind: 'Pod', name: 'web-3' }, conditions: { ready: true, serving: true, terminating: false } });

    await waitFor('Endpoints object', async () => ((await endpointsOf('web'))?.subsets ?? []).flatMap((s) => s.addresses ?? []).length === 3);
    const ep = (await endpointsOf('web'))!;
    expect(ep.metadata.ownerReferences ?? []).toEqual([]);
    expect(ep.subsets!.map((s) => s.ports)).toEqual(expect.arrayContaining([[{ name: 'http', port: 8080, protocol: 'TCP' }], [{ name: 'http', port: 9090, protocol: 'TCP' }]]));

    // web-1 turns unready: same slice, rewritten.
    const names = ss.map((s) => s.metadata.name).sort();
    unready.add('web-1');
    const p1 = await h.client.pods.get('web-1', 'default');
    await h.client.pods.updateStatus({ ...p1, status: { ...p1.status, conditions: [{ type: 'Ready', status: 'False' }] } });
    await waitFor('web-1 not ready', async () => readyAddrs(await sliceList('web')).length === 2);
    ss = await sliceList('web');
    expect(ss.map((s) => s.metadata.name).sort()).toEqual(names);
    expect(ss.flatMap((s) => s.endpoints).find((e) => e.targetRef?.name === 'web-1')!.conditions).toEqual({ ready: false, serving: false, terminating: false });
    await waitFor('web-1 under notReadyAddresses', async () => ((await endpointsOf('web'))?.subsets ?? []).some((s) => s.notReadyAddresses?.some((a) => a.targetRef?.name === 'web-1')));

    // web-2 terminating: still in its slice (serving, terminating, not ready), gone from Endpoints.
    holdDeletion.add('web-2');
    await h.client.pods.delete('web-2', 'default');
    await waitFor('web-2 terminating', async () => (await sliceList('web')).flatMap((s) => s.endpoints).some((e) => e.targetRef?.name === 'web-2' && e.conditions?.terminating === true));
    expect((await sliceList('web')).flatMap((s) => s.endpoints).find((e) => e.targetRef?.name === 'web-2')!.conditions).toEqual({ ready: false, serving: true, terminating: true });
    await waitFor('web-2 left Endpoints', async () => !((await endpointsOf('web'))?.subsets ?? []).some((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].some((a) => a.targetRef?.name === 'web-2')));
    holdDeletion.delete('web-2');
    h.standIn.resync();
    await waitFor('web-2 gone from the slices', async () => !(await sliceList('web')).flatMap((s) => s.endpoints).some((e) => e.targetRef?.name === 'web-2'));
  });

  test('a hand-edited slice is put back; 105 pods → slices of at most 100', async () => {
    await h.client.services.create(service('big', { selector: { app: 'big' } }));
    await Promise.all(Array.from({ length: 105 }, (_, i) => h.client.pods.create(pod(`big-${i}`, { app: 'big' }))));
    await waitFor('105 ready endpoints', async () => readyAddrs(await sliceList('big')).length === 105, 60_000);
    const ss = await sliceList('big');
    // How they split depends on the order pods became ready (endpoints never move between slices).
    expect(ss.length).toBeGreaterThanOrEqual(2);
    for (const s of ss) expect(s.endpoints.length).toBeLessThanOrEqual(100);
    const names = ss.flatMap((s) => s.endpoints.map((e) => e.targetRef?.name));
    expect(names).toHaveLength(105);
    expect(new Set(names).size).toBe(105);
    const small = ss.sort((a, b) => a.endpoints.length - b.endpoints.length)[0]!;
    const size = small.endpoints.length;
    await slices.update({ ...small, endpoints: [] });
    await waitFor('slice restored', async () => (await slices.get(small.metadata.name!, 'default')).endpoints.length === size);
  }, 90_000);

  test('selector-less Service: hand-written slices and Endpoints are left alone', async () => {
    await h.client.services.create(service('ext', {}));
    const mine = await slices.create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'ext-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'ext' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    });
    const ep = await h.client.endpoints.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'http', port: 80 }] }] });
    // Wait until both controllers have looked at something after our writes, then check.
    const before = (await h.reconciles('endpointslice')) + (await h.reconciles('endpoint'));
    await h.client.services.patch('ext', 'default', { metadata: { labels: { touched: 'yes' } } }, 'merge');
    await waitFor('controllers reconciled the Service', async () => (await h.reconciles('endpointslice')) + (await h.reconciles('endpoint')) >= before + 2);
    expect((await sliceList('ext')).map((s) => [s.metadata.name, s.metadata.resourceVersion])).toEqual([['ext-1', mine.metadata.resourceVersion]]);
    expect((await h.client.endpoints.get('ext', 'default')).metadata.resourceVersion).toBe(ep.metadata.resourceVersion);
  });

  test('deleting the Service removes its slices (owner reference) and its Endpoints', async () => {
    await h.client.services.create(service('gone', { selector: { app: 'gone' } }));
    await h.client.pods.create(pod('gone-1', { app: 'gone' }));
    await waitFor('slice and Endpoints', async () => readyAddrs(await sliceList('gone')).length === 1 && !!(await endpointsOf('gone')));
    await h.client.services.delete('gone', 'default');
    await waitFor('slices deleted', async () => (await sliceList('gone')).length === 0);
    await waitFor('Endpoints deleted', async () => (await endpointsOf('gone')) === undefined);
  });
});

describe('LoadBalancer status', () => {
  test('ingress = InternalIPs of ready schedulable nodes; Local: nodes with a ready endpoint; cleared when no longer a LoadBalancer', async () => {
    for (const [name, ip] of [['node-1', '192.168.50.1'], ['node-2', '192.168.50.2']] as const) {
      const n: Node = await h.client.nodes.get(name);
      await h.client.nodes.updateStatus({ ...n, status: { ...n.status, addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } });
    }
    const ingress = async () => ((await h.client.services.get('lb', 'default')).status?.loadBalancer?.ingress ?? []).map((i) => i.ip);
    await h.client.services.create(service('lb', { type: 'LoadBalancer', selector: { app: 'lb' } }));
    await waitFor('both nodes', async () => (await ingress()).join() === '192.168.50.1,192.168.50.2');

    const n2 = await h.client.nodes.get('node-2');
    await h.client.nodes.update({ ...n2, spec: { ...n2.spec, unschedulable: true } });
    await waitFor('cordoned node-2 left out', async () => (await ingress()).join() === '192.168.50.1');
    const n2b = await h.client.nodes.get('node-2');
    await h.client.nodes.update({ ...n2b, spec: { ...n2b.spec, unschedulable: false } });

    // Local: only where a ready endpoint runs (a pod on node-2).
    await h.client.services.patch('lb', 'default', { spec: { externalTrafficPolicy: 'Local' } }, 'merge');
    await waitFor('no endpoint yet: no node', async () => (await ingress()).length === 0);
    await h.client.pods.create(pod('lb-1', { app: 'lb', node: 'node-2' }));
    await waitFor('node-2 only', async () => (await ingress()).join() === '192.168.50.2');

    await h.client.services.patch('lb', 'default', { spec: { type: 'NodePort', externalTrafficPolicy: 'Cluster' } }, 'merge');
    await waitFor('cleared', async () => (await ingress()).length === 0);
  });
});
