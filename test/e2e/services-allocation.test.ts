// ClusterIP and NodePort allocation against a real etcd: what is handed out, what the
// client may ask for, what updates, type changes and deletions release, and that the
// allocation keys in etcd always match the Services (created and removed in the same
// transaction as the Service).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import type { RawKeyStorage } from '../../apiserver/storage/types.js';
import { parseServiceRanges } from '../../apiserver/services/service-ranges.js';

const SVCS = '/api/v1/namespaces/default/services';
const MERGE = { contentType: 'application/merge-patch+json' };
let s: TestApiServer;

const svc = (name: string, spec: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { ports: [{ port: 80, targetPort: 8080 }], ...spec } });
const create = (body: unknown, server: TestApiServer = s) => apiRequest(server, 'POST', SVCS, body);

/** The allocation keys in etcd: IPs and node ports with their owners' names. */
async function keys(server: TestApiServer = s): Promise<Map<string, string>> {
  const raw = server.storage as unknown as RawKeyStorage;
  const out = new Map<string, string>();
  for (const prefix of ['/registry/ranges/serviceips/', '/registry/ranges/servicenodeports/']) {
    for (const k of (await raw.listKeys(prefix)).items) out.set(k.key.slice(prefix.length), JSON.parse(k.value).name);
  }
  return out;
}

function ipNumber(ip: string): number {
  return ip.split('.').reduce((n, b) => n * 256 + Number(b), 0);
}

beforeAll(async () => {
  s = await startTestApiServer();
});
afterAll(async () => {
  await s?.stop();
});

describe('ClusterIP', () => {
  test('a Service without clusterIP gets a free address of the range, never the network or the first address, held by a key', async () => {
    const r = await create(svc('auto'));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const ip: string = r.body.spec.clusterIP;
    expect(ipNumber(ip)).toBeGreaterThan(ipNumber('10.96.0.1'));
    expect(ipNumber(ip)).toBeLessThan(ipNumber('10.112.0.0'));
    expect(r.body.spec).toMatchObject({ clusterIPs: [ip], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    expect((await keys()).get(ip)).toBe('auto');
  });

  test('headless and ExternalName Services hold no address', async () => {
    const before = (await keys()).size;
    const h = await create(svc('headless', { clusterIP: 'None' }));
    expect([h.status, h.body.spec.clusterIP, h.body.spec.clusterIPs]).toEqual([201, 'None', ['None']]);
    const e = await create({ metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    expect([e.status, e.body.spec.clusterIP]).toEqual([201, undefined]);
    expect((await keys()).size).toBe(before);
  });

  test('an explicit address must be inside the range and free', async () => {
    const ok = await create(svc('explicit', { clusterIP: '10.96.100.100' }));
    expect([ok.status, ok.body.spec.clusterIP]).toEqual([201, '10.96.100.100']);
    const taken = await create(svc('explicit2', { clusterIP: '10.96.100.100' }));
    expect(taken.status).toBe(422);
    expect(taken.body.details.causes).toEqual([expect.objectContaining({ field: 'spec.clusterIP', message: 'Invalid value: "10.96.100.100": provided IP is already allocated' })]);
    const outside = await create(svc('outside', { clusterIP: '10.0.0.5' }));
    expect(outside.status).toBe(422);
    expect(outside.body.details.causes[0]).toMatchObject({ field: 'spec.clusterIP', message: 'Invalid value: "10.0.0.5": provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12' });
    const network = await create(svc('network', { clusterIP: '10.96.0.0' }));
    expect([network.status, network.body.details?.causes?.[0]?.field]).toEqual([422, 'spec.clusterIP']);
    expect((await apiRequest(s, 'GET', `${SVCS}/explicit2`)).status).toBe(404);
    expect((await keys()).get('10.96.100.100')).toBe('explicit');
  });

  test('an update that leaves the clusterIP out keeps it; changing it is refused', async () => {
    const made = await create(svc('keep'));
    const ip = made.body.spec.clusterIP;
    const put = await apiRequest(s, 'PUT', `${SVCS}/keep`, svc('keep', { ports: [{ port: 81 }] }));
    expect([put.status, put.body.spec.clusterIP, put.body.spec.ipFamilyPolicy]).toEqual([200, ip, 'SingleStack']);
    const moved = await apiRequest(s, 'PATCH', `${SVCS}/keep`, { spec: { clusterIP: '10.96.7.7', clusterIPs: ['10.96.7.7'] } }, MERGE);
    expect([moved.status, moved.body.details?.causes?.[0]?.field]).toEqual([422, 'spec.clusterIP']);
    expect((await keys()).has('10.96.7.7')).toBe(false);
  });

  test('turning into ExternalName releases the address; turning back allocates one', async () => {
    const made = await create(svc('flip'));
    const ip = made.body.spec.clusterIP;
    const ext = await apiRequest(s, 'PATCH', `${SVCS}/flip`, { spec: { type: 'ExternalName', externalName: 'example.com', ports: null } }, MERGE);
    expect([ext.status, ext.body.spec.clusterIP, ext.body.spec.clusterIPs], JSON.stringify(ext.body)).toEqual([200, undefined, undefined]);
    expect((await keys()).has(ip)).toBe(false);
    const back = await apiRequest(s, 'PATCH', `${SVCS}/flip`, { spec: { type: 'ClusterIP', externalName: null, ports: [{ port: 80 }] } }, MERGE);
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect((await keys()).get(back.body.spec.clusterIP)).toBe('flip');
  });

  test('deletion releases the address; with a finalizer only once the object is gone', async () => {
    const made = await create({ ...svc('fin'), metadata: { name: 'fin', finalizers: ['example.com/hold'] } });
    const ip = made.body.spec.clusterIP;
    expect((await apiRequest(s, 'DELETE', `${SVCS}/fin`)).status).toBe(200);
    expect((await keys()).get(ip)).toBe('fin');
    expect((await apiRequest(s, 'PATCH', `${SVCS}/fin`, { metadata: { finalizers: null } }, MERGE)).status).toBe(200);
    expect((await apiRequest(s, 'GET', `${SVCS}/fin`)).status).toBe(404);
    expect((await keys()).has(ip)).toBe(false);
    const taken = await create(svc('fin2', { clusterIP: ip }));
    expect(taken.status).toBe(201);
  });
});

describe('NodePort', () => {
  test('every port gets a node port of the range; TCP and UDP of one port number share it', async () => {
    const r = await create(svc('np', { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const [a, udp, tcp] = r.body.spec.ports.map((p: { nodePort: number }) => p.nodePort);
    for (const n of [a, udp]) expect(n >= 30000 && n <= 32767).toBe(true);
    expect(a).not.toBe(udp);
    expect(tcp).toBe(udp);
    const k = await keys();
    expect([k.get(String(a)), k.get(String(udp))]).toEqual(['np', 'np']);
  });

  test('an explicit node port must be in the range and free; one service may use it for TCP and UDP', async () => {
    const both = await create(svc('np-both', { type: 'NodePort', ports: [{ name: 'u', port: 53, protocol: 'UDP', nodePort: 30053 }, { name: 't', port: 53, protocol: 'TCP', nodePort: 30053 }] }));
    expect(both.status, JSON.stringify(both.body)).toBe(201);
    const taken = await create(svc('np-taken', { type: 'NodePort', ports: [{ port: 80, nodePort: 30053 }] }));
    expect(taken.status).toBe(422);
    expect(taken.body.details.causes[0]).toMatchObject({ field: 'spec.ports[0].nodePort', message: 'Invalid value: 30053: provided port is already allocated' });
    const outside = await create(svc('np-out', { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81, nodePort: 8080 }] }));
    expect(outside.status).toBe(422);
    expect(outside.body.details.causes[0]).toMatchObject({ field: 'spec.ports[1].nodePort', message: 'Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767' });
    const dup = await create(svc('np-dup', { type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30070 }, { name: 'b', port: 81, nodePort: 30070 }] }));
    expect([dup.status, dup.body.details?.causes?.[0]?.field]).toEqual([422, 'spec.ports[1].nodePort']);
    expect((await keys()).has('30070')).toBe(false);
  });

  test('ports added and removed claim and release node ports; NodePort → ClusterIP releases them all', async () => {
    const r = await create(svc('np-upd', { type: 'NodePort', ports: [{ name: 'a', port: 80 }] }));
    const first = r.body.spec.ports[0].nodePort;
    const added = await apiRequest(s, 'PUT', `${SVCS}/np-upd`, svc('np-upd', { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] }));
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    const [a, b] = added.body.spec.ports.map((p: { nodePort: number }) => p.nodePort);
    expect(a).toBe(first); // kept by name although the PUT left it out
    expect((await keys()).get(String(b))).toBe('np-upd');
    const removed = await apiRequest(s, 'PUT', `${SVCS}/np-upd`, svc('np-upd', { type: 'NodePort', ports: [{ name: 'b', port: 81, nodePort: b }] }));
    expect(removed.status).toBe(200);
    expect((await keys()).has(String(a))).toBe(false);
    const changed = await apiRequest(s, 'PUT', `${SVCS}/np-upd`, svc('np-upd', { type: 'NodePort', ports: [{ name: 'b', port: 81, nodePort: 31999 }] }));
    expect([changed.status, changed.body.spec.ports[0].nodePort]).toEqual([200, 31999]);
    expect((await keys()).has(String(b))).toBe(false);
    const clusterIP = await apiRequest(s, 'PATCH', `${SVCS}/np-upd`, { spec: { type: 'ClusterIP' } }, MERGE);
    expect([clusterIP.status, clusterIP.body.spec.ports[0].nodePort], JSON.stringify(clusterIP.body)).toEqual([200, undefined]);
    expect((await keys()).has('31999')).toBe(false);
    const back = await apiRequest(s, 'PATCH', `${SVCS}/np-upd`, { spec: { type: 'NodePort' } }, MERGE);
    expect((await keys()).get(String(back.body.spec.ports[0].nodePort))).toBe('np-upd');
  });

  test('an update to a node port another Service holds is refused naming the field, and changes nothing', async () => {
    const holder = await create(svc('np-holder', { type: 'NodePort' }));
    const held = holder.body.spec.ports[0].nodePort;
    const mine = await create(svc('np-mover', { type: 'NodePort' }));
    const own = mine.body.spec.ports[0].nodePort;
    const moved = await apiRequest(s, 'PATCH', `${SVCS}/np-mover`, { spec: { ports: [{ port: 80, nodePort: held }] } }, MERGE);
    expect(moved.status).toBe(422);
    expect(moved.body.details.causes[0]).toMatchObject({ field: 'spec.ports[0].nodePort', message: `Invalid value: ${held}: provided port is already allocated` });
    expect((await apiRequest(s, 'GET', `${SVCS}/np-mover`)).body.spec.ports[0].nodePort).toBe(own);
    const k = await keys();
    expect([k.get(String(held)), k.get(String(own))]).toEqual(['np-holder', 'np-mover']);
  });

  test('LoadBalancer: node ports unless allocateLoadBalancerNodePorts is false; a health check port with externalTrafficPolicy Local', async () => {
    const lb = await create(svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    expect(lb.status, JSON.stringify(lb.body)).toBe(201);
    const hc = lb.body.spec.healthCheckNodePort;
    expect(hc >= 30000 && hc <= 32767 && hc !== lb.body.spec.ports[0].nodePort).toBe(true);
    expect((await keys()).get(String(hc))).toBe('lb');
    const cluster = await apiRequest(s, 'PATCH', `${SVCS}/lb`, { spec: { externalTrafficPolicy: 'Cluster' } }, MERGE);
    expect([cluster.status, cluster.body.spec.healthCheckNodePort]).toEqual([200, undefined]);
    expect((await keys()).has(String(hc))).toBe(false);
    const none = await create(svc('lb-none', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false }));
    expect([none.status, none.body.spec.ports[0].nodePort]).toEqual([201, undefined]);
  });

  test('deleting a Service releases its node ports', async () => {
    const r = await create(svc('np-del', { type: 'NodePort' }));
    const n = String(r.body.spec.ports[0].nodePort);
    expect((await keys()).get(n)).toBe('np-del');
    expect((await apiRequest(s, 'DELETE', `${SVCS}/np-del`)).status).toBe(200);
    expect((await keys()).has(n)).toBe(false);
  });
});

describe('small ranges', () => {
  let small: TestApiServer;
  beforeAll(async () => {
    small = await startTestApiServer({ etcd: s.etcd, server: { serviceRanges: parseServiceRanges('10.100.0.0/29', '30000-30002') } });
  });
  afterAll(async () => {
    await small?.stop();
  });

  test('an exhausted range is a 422 that names the range and how many are in use', async () => {
    // /29: 8 addresses, minus network, broadcast and the kubernetes Service's: 5.
    for (let i = 0; i < 5; i++) expect((await create(svc(`ip${i}`), small)).status).toBe(201);
    const full = await create(svc('ip5'), small);
    expect(full.status).toBe(422);
    expect(full.body.message).toContain('the service cluster IP range 10.100.0.0/29 is full (5 of 6 in use)');
    expect((await apiRequest(small, 'DELETE', `${SVCS}/ip0`)).status).toBe(200);
    expect((await create(svc('ip5'), small)).status).toBe(201);
  });

  test('an exhausted node port range likewise', async () => {
    for (const n of ['ip1', 'ip2']) expect((await apiRequest(small, 'DELETE', `${SVCS}/${n}`)).status).toBe(200);
    const three = await create(svc('np3', { type: 'NodePort', ports: [{ name: 'a', port: 1 }, { name: 'b', port: 2 }, { name: 'c', port: 3 }] }), small);
    expect(three.status, JSON.stringify(three.body)).toBe(201);
    const more = await create(svc('np4', { type: 'NodePort' }), small);
    expect(more.status).toBe(422);
    expect(more.body.details.causes[0]).toMatchObject({ field: 'spec.ports[0].nodePort' });
    expect(more.body.message).toContain('the service node port range 30000-30002 is full (3 of 3 in use)');
    // The failed create claimed nothing: the address it would have had is still free.
    expect((await create(svc('ip-after'), small)).status).toBe(201);
  });
});

describe('dual stack', () => {
  test('RequireDualStack gets one address of each family; SingleStack only the first', async () => {
    const ds = await startTestApiServer({ etcd: s.etcd, server: { serviceRanges: parseServiceRanges('10.97.0.0/16,fd00:10:97::/112') } });
    try {
      const r = await create(svc('dual', { ipFamilyPolicy: 'RequireDualStack' }), ds);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.spec.ipFamilies).toEqual(['IPv4', 'IPv6']);
      expect(r.body.spec.clusterIPs[0]).toMatch(/^10\.97\./);
      expect(r.body.spec.clusterIPs[1]).toMatch(/^fd00:10:97::/);
      const v6 = await create(svc('v6', { ipFamilies: ['IPv6'] }), ds);
      expect([v6.status, v6.body.spec.clusterIPs.length, v6.body.spec.clusterIP]).toEqual([201, 1, expect.stringMatching(/^fd00:10:97::/)]);
      const single = await create(svc('single-only', { ipFamilyPolicy: 'RequireDualStack' }));
      expect([single.status, single.body.details?.causes?.[0]?.field]).toEqual([422, 'spec.ipFamilyPolicy']);
    } finally {
      await ds.stop();
    }
  });
});
