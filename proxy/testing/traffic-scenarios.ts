// The service scenarios both kernel backends must pass with real traffic, for the
// integration tests of each mode (sync/syncer.integration.test.ts: iptables,
// nft/nft-backend.integration.test.ts: nftables). Called inside a describe: it sets up
// the lab's pods (three backends, one client), registers the its, and tears the lab down.
// The syncer is made by the caller (its backend is what differs); what each mode has of
// its own (jumps, canary, tables) stays in its file.

import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Syncer } from '../sync/syncer.js';
import { NODE_UPLINK_IP, OUTSIDE_IP, type NetnsLab } from './netns-lab.js';
import { service, slice } from './objects.js';
import type { StaticSource } from './static-source.js';

export const B1 = '10.244.1.11';
export const B2 = '10.244.1.12';
export const B3 = '10.244.1.13';
export const CLIENT_IP = '10.244.1.21';
export const eps = [
  { ip: B1, node: 'n1' },
  { ip: B2, node: 'n2' },
  { ip: B3, node: 'n2' },
];

export interface ScenarioRig {
  lab: NetnsLab;
  source: StaticSource;
  /** Made once the lab is up (its commands run in the node's namespace). */
  makeSyncer(): Syncer;
}

/** Sets up the lab, registers the shared its; returns accessors for the mode's own its. */
export function serviceTrafficScenarios(rig: ScenarioRig): { syncer: () => Syncer; client: () => string } {
  const { lab, source } = rig;
  let syncer!: Syncer;
  let client!: string;
  const change = async (name: string) => {
    syncer.serviceChanged(`default/${name}`);
    return syncer.sync(false);
  };

  beforeAll(() => {
    lab.setUp();
    lab.addPod('b1', B1);
    lab.addPod('b2', B2);
    lab.addPod('b3', B3);
    client = lab.addPod('c1', CLIENT_IP, false);
    syncer = rig.makeSyncer();
  });
  afterAll(() => {
    lab.destroy();
    lab.cleanupFiles();
  });

  it('a ClusterIP reaches every ready endpoint, never a not-ready one', async () => {
    source.put(service('web', '10.96.0.10'), [slice('web', [...eps, { ip: '10.244.1.14', ready: false }])]);
    await syncer.sync(true);
    expect(syncer.ready()).toBeUndefined();
    expect(Object.keys(lab.spread(client, '10.96.0.10', 80, 30)).sort()).toEqual(['b1', 'b2', 'b3']);
  });

  it('a pod reaching its own service through the ClusterIP gets its own answer (hairpin, masqueraded); another pod keeps its address', async () => {
    source.put(service('self', '10.96.0.11'), [slice('self', [{ ip: B1 }])]);
    await change('self');
    expect(lab.get(lab.podNs('b1'), '10.96.0.11', 80)).toBe('b1 10.244.1.1');
    expect(lab.get(client, '10.96.0.11', 80)).toBe(`b1 ${CLIENT_IP}`);
  });

  it('a service without endpoints refuses at once; its first endpoint opens it', async () => {
    source.put(service('empty', '10.96.0.12'), [slice('empty', [])]);
    await change('empty');
    // curl's 7 is a refused connection, after 0 ms; a timeout would be 28 after 20 s.
    expect(lab.get(client, '10.96.0.12', 80, 20)).toMatch(/curl: \(7\) Failed to connect .* after \d+ ms: Couldn't connect to server/);
    source.put(service('empty', '10.96.0.12'), [slice('empty', [{ ip: B2 }])]);
    await change('empty');
    expect(lab.get(client, '10.96.0.12', 80)).toBe(`b2 ${CLIENT_IP}`);
  });

  it('NodePort (Cluster policy) from outside reaches the endpoints, masqueraded', async () => {
    source.put(service('np', '10.96.1.10', { type: 'NodePort' }, [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }]), [slice('np', eps)]);
    await change('np');
    const answers = new Set(Array.from({ length: 20 }, () => lab.get(lab.outside, NODE_UPLINK_IP, 30080)));
    expect([...answers].every((a) => / 10\.244\.1\.1$/.test(a))).toBe(true);
    expect(new Set([...answers].map((a) => a.split(' ')[0])).size).toBeGreaterThan(1);
  });

  it("externalTrafficPolicy Local: only this node's endpoint answers, and it sees the client's own address; none → dropped", async () => {
    const local = (e: typeof eps) => source.put(service('local', '10.96.1.11', { type: 'NodePort', externalTrafficPolicy: 'Local' }, [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30081 }]), [slice('local', e)]);
    local(eps);
    await change('local');
    for (let i = 0; i < 10; i++) expect(lab.get(lab.outside, NODE_UPLINK_IP, 30081)).toBe(`b1 ${OUTSIDE_IP}`);
    local(eps.slice(1));
    await change('local');
    expect(lab.get(lab.outside, NODE_UPLINK_IP, 30081, 1)).toMatch(/timed out/);
    // Pods still reach it through the ClusterIP (Cluster internal policy).
    expect(lab.get(client, '10.96.1.11', 80)).toMatch(/^b[23] /);
  });

  it('ClientIP affinity sends one client to one endpoint, also after a full sync', async () => {
    source.put(service('sticky', '10.96.0.13', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }), [slice('sticky', eps)]);
    await change('sticky');
    const first = Object.keys(lab.spread(client, '10.96.0.13', 80, 15));
    expect(first).toHaveLength(1);
    await syncer.sync(true);
    expect(Object.keys(lab.spread(client, '10.96.0.13', 80, 10))).toEqual(first);
  });

  it('UDP: datagrams reach the endpoint; after it is replaced the same flow reaches the new one (conntrack cleared)', async () => {
    const udp = (e: typeof eps) => source.put(service('dns', '10.96.0.53', {}, [{ name: 'dns', port: 53, protocol: 'UDP' }]), [slice('dns', e, [{ name: 'dns', port: 5353, protocol: 'UDP' }])]);
    udp([eps[0]!]);
    await change('dns');
    expect(lab.udp(client, '10.96.0.53', 53, 40001)).toBe(`b1 ${CLIENT_IP}`);
    udp([eps[1]!]);
    await change('dns');
    expect(lab.udp(client, '10.96.0.53', 53, 40001)).toBe(`b2 ${CLIENT_IP}`);
  });

  return { syncer: () => syncer, client: () => client };
}
