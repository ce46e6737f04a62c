// The proxy's rules in a real (namespaced) netfilter with real traffic: a "node"
// namespace with a bridge and pods in namespaces of their own (busybox httpd, a UDP echo; curl as the client),
// an outside host on a second link. The syncer programs the node from Services and
// EndpointSlices; clients connect through ClusterIPs and NodePorts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../foundation/logger.js';
import { eventually } from '../../test/helpers/eventually.js';
import { instanceChains } from '../rules/names.js';
import { NetnsLab, NODE_UPLINK_IP, OUTSIDE_IP } from '../testing/netns-lab.js';
import { service, slice } from '../testing/objects.js';
import { StaticSource } from '../testing/static-source.js';
import { Syncer } from './syncer.js';

const lab = new NetnsLab('h15proxy');
const chains = instanceChains('00aa11');
const source = new StaticSource();
let syncer: Syncer;
let client: string;

const B1 = '10.244.1.11';
const B2 = '10.244.1.12';
const B3 = '10.244.1.13';
const eps = [
  { ip: B1, node: 'n1' },
  { ip: B2, node: 'n2' },
  { ip: B3, node: 'n2' },
];

/** Who answered n requests (pod name → count). */
function spread(from: string, ip: string, port: number, n: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const who = lab.get(from, ip, port).split(' ')[0]!;
    out[who] = (out[who] ?? 0) + 1;
  }
  return out;
}

describe('service rules with real traffic (network namespaces)', () => {
  beforeAll(() => {
    lab.setUp();
    lab.addPod('b1', B1);
    lab.addPod('b2', B2);
    lab.addPod('b3', B3);
    client = lab.addPod('c1', '10.244.1.21', false);
    syncer = new Syncer({ chains, nodeName: 'n1', source, commands: lab.commands, logger: silentLogger(), syncPeriodMs: 60_000, minSyncPeriodMs: 0, canaryPeriodMs: 200 });
  });
  afterAll(() => {
    lab.destroy();
    lab.cleanupFiles();
  });

  it('a ClusterIP reaches every ready endpoint, never a not-ready one', async () => {
    source.put(service('web', '10.96.0.10'), [slice('web', [...eps, { ip: '10.244.1.14', ready: false }])]);
    await syncer.sync(true);
    const seen = spread(client, '10.96.0.10', 80, 30);
    expect(Object.keys(seen).sort()).toEqual(['b1', 'b2', 'b3']);
  });

  it('a pod reaching its own service through the ClusterIP gets its own answer (hairpin, masqueraded)', async () => {
    source.put(service('self', '10.96.0.11'), [slice('self', [{ ip: B1 }])]);
    syncer.serviceChanged('default/self');
    await syncer.sync(false);
    expect(lab.get(lab.podNs('b1'), '10.96.0.11', 80)).toBe('b1 10.244.1.1');
  });

  it('a service without endpoints refuses at once; its first endpoint opens it', async () => {
    source.put(service('empty', '10.96.0.12'), [slice('empty', [])]);
    syncer.serviceChanged('default/empty');
    await syncer.sync(false);
    // curl's 7 is a refused connection, after 0 ms; a timeout would be 28 after 20 s.
    expect(lab.get(client, '10.96.0.12', 80, 20)).toMatch(/curl: \(7\) Failed to connect .* after \d+ ms: Couldn't connect to server/);
    source.put(service('empty', '10.96.0.12'), [slice('empty', [{ ip: B2 }])]);
    syncer.serviceChanged('default/empty');
    await syncer.sync(false);
    expect(lab.get(client, '10.96.0.12', 80)).toBe('b2 10.244.1.21');
  });

  it('NodePort (Cluster policy) from outside reaches the endpoints, masqueraded', async () => {
    source.put(service('np', '10.96.1.10', { type: 'NodePort' }, [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }]), [slice('np', eps)]);
    syncer.serviceChanged('default/np');
    await syncer.sync(false);
    const answers = new Set(Array.from({ length: 20 }, () => lab.get(lab.outside, NODE_UPLINK_IP, 30080)));
    expect([...answers].map((a) => a.split(' ')[1])).toEqual(expect.arrayContaining(['10.244.1.1']));
    expect([...answers].every((a) => / 10\.244\.1\.1$/.test(a))).toBe(true);
    expect(new Set([...answers].map((a) => a.split(' ')[0])).size).toBeGreaterThan(1);
  });

  it('externalTrafficPolicy Local: only this node\'s endpoint answers, and it sees the client\'s own address; none → dropped', async () => {
    source.put(service('local', '10.96.1.11', { type: 'NodePort', externalTrafficPolicy: 'Local' }, [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30081 }]), [slice('local', eps)]);
    syncer.serviceChanged('default/local');
    await syncer.sync(false);
    for (let i = 0; i < 10; i++) expect(lab.get(lab.outside, NODE_UPLINK_IP, 30081)).toBe(`b1 ${OUTSIDE_IP}`);
    source.put(service('local', '10.96.1.11', { type: 'NodePort', externalTrafficPolicy: 'Local' }, [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30081 }]), [slice('local', eps.slice(1))]);
    syncer.serviceChanged('default/local');
    await syncer.sync(false);
    expect(lab.get(lab.outside, NODE_UPLINK_IP, 30081, 1)).toMatch(/timed out/);
    // Pods still reach it through the ClusterIP (Cluster internal policy).
    expect(lab.get(client, '10.96.1.11', 80)).toMatch(/^b[23] /);
  });

  it('ClientIP affinity sends one client to one endpoint', async () => {
    source.put(service('sticky', '10.96.0.13', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }), [slice('sticky', eps)]);
    syncer.serviceChanged('default/sticky');
    await syncer.sync(false);
    expect(Object.keys(spread(client, '10.96.0.13', 80, 15))).toHaveLength(1);
  });

  it('UDP: datagrams reach the endpoint; after it is replaced the same flow reaches the new one (conntrack cleared)', async () => {
    const udp = (e: typeof eps) => source.put(service('dns', '10.96.0.53', {}, [{ name: 'dns', port: 53, protocol: 'UDP' }]), [slice('dns', e, [{ name: 'dns', port: 5353, protocol: 'UDP' }])]);
    udp([eps[0]!]);
    syncer.serviceChanged('default/dns');
    await syncer.sync(false);
    expect(lab.udp(client, '10.96.0.53', 53, 40001)).toBe('b1 10.244.1.21');
    udp([eps[1]!]);
    syncer.serviceChanged('default/dns');
    await syncer.sync(false);
    expect(lab.udp(client, '10.96.0.53', 53, 40001)).toBe('b2 10.244.1.21');
  });

  it('a deleted service leaves no chain behind; one change rewrites only its own chains', async () => {
    source.remove('default/sticky');
    syncer.serviceChanged('default/sticky');
    const r = await syncer.sync(false);
    expect(r.mode).toBe('partial');
    expect(lab.exec(lab.node, 'iptables-save -t nat')).not.toContain('default/sticky');
    expect(lab.get(client, '10.96.0.13', 80, 2)).toMatch(/^error: curl: \((7|28)\)/);
    // Its service chain and 3 endpoint chains deleted; its bucket (10.96.0.0/24, shared) rewritten.
    expect(r).toMatchObject({ deleted: 4, written: 1 });
  });

  it('rules flushed by hand come back at once (canary), and so do the jumps', async () => {
    const ac = new AbortController();
    const loop = syncer.run(ac.signal);
    try {
      lab.exec(lab.node, 'sh -c "iptables -t nat -F && iptables -F"');
      expect(lab.get(client, '10.96.0.10', 80, 1)).toMatch(/error/);
      await eventually('traffic through the ClusterIP again', () => /^b[123] /.test(lab.get(client, '10.96.0.10', 80, 1)), 10_000);
      await syncer.sync(true);
      // One copy of each jump however many full syncs ran.
      expect(lab.exec(lab.node, 'iptables -t nat -S PREROUTING').match(/ORCH-SERVICES-00aa11/g)).toHaveLength(1);
      expect(lab.exec(lab.node, 'iptables -t nat -S POSTROUTING').match(/ORCH-MARK-00aa11-POST/g)).toHaveLength(1);
      for (const ch of ['INPUT', 'FORWARD', 'OUTPUT']) expect(lab.exec(lab.node, `iptables -S ${ch}`).match(/-j ORCH-SERVICES-00aa11/g)).toHaveLength(1);
      // What a Docker restart does: its DOCKER-USER jump inserted first again, where the
      // pod network accepts pod traffic — the next full sync puts ours back on top.
      lab.exec(lab.node, 'sh -c "iptables -N DOCKER-USER 2>/dev/null; iptables -I FORWARD 1 -j DOCKER-USER"');
      expect(lab.exec(lab.node, 'iptables -S FORWARD').split('\n')[1]).toContain('-j DOCKER-USER');
      await syncer.sync(true);
      const forward = lab.exec(lab.node, 'iptables -S FORWARD').split('\n');
      expect(forward[1]).toContain('-j ORCH-SERVICES-00aa11');
      expect(forward.filter((l) => l.includes('ORCH-SERVICES-00aa11'))).toHaveLength(1);
      expect(forward.filter((l) => l.includes('-j DOCKER-USER'))).toHaveLength(1);
      // And inside DOCKER-USER, before whatever accepts pod traffic there (the pod network's jump).
      expect(lab.exec(lab.node, 'iptables -S DOCKER-USER').split('\n')[1]).toContain('-j ORCH-SERVICES-00aa11');
    } finally {
      ac.abort();
      await loop;
    }
  });
});
