import { describe, expect, it } from 'vitest';
import { clusterChains, clusterJumps, firewallRules, jumpRules } from './firewall-rules.js';
import { inScope, scoped } from './kernel.js';
import { afterDiff, diffKernel, isEmptyDiff, planRoutes, tunnelAddress, vtepMacFor, type NetworkPeer } from './route-plan.js';

const peers: NetworkPeer[] = [
  { name: 'h1', podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'], nodeIP: '10.250.0.11', vtepMac: '0e:6f:0a:fa:00:0b' },
  { name: 'h2', podCIDRs: ['10.244.2.0/24', 'fd00:10:244:2::/64'], nodeIP: '10.250.0.12', vtepMac: '0e:6f:0a:fa:00:0c' },
  { name: 'h3', podCIDRs: ['10.244.3.0/24'], nodeIP: '10.250.0.13' },
  { name: 'same-host', podCIDRs: ['10.244.4.0/24'], nodeIP: '10.250.0.11', vtepMac: '0e:6f:0a:fa:00:0b' },
  { name: 'no-range', podCIDRs: [], nodeIP: '10.250.0.15', vtepMac: '0e:6f:0a:fa:00:0f' },
];

describe('planRoutes', () => {
  it('vxlan: a route, a neighbour per range and one FDB entry per remote node; skips itself, same-host nodes and nodes not ready', () => {
    const plan = planRoutes({ name: 'h1', nodeIP: '10.250.0.11', backend: 'vxlan', uplink: 'eth0' }, peers);
    expect(plan.routes).toEqual([
      { dst: '10.244.2.0/24', via: '10.244.2.0', dev: 'orch.1', onlink: true },
      { dst: 'fd00:10:244:2::/64', via: 'fd00:10:244:2::', dev: 'orch.1', onlink: true },
    ]);
    expect(plan.neighbors).toEqual([
      { ip: '10.244.2.0', mac: '0e:6f:0a:fa:00:0c', dev: 'orch.1' },
      { ip: 'fd00:10:244:2::', mac: '0e:6f:0a:fa:00:0c', dev: 'orch.1' },
    ]);
    expect(plan.fdb).toEqual([{ mac: '0e:6f:0a:fa:00:0c', dst: '10.250.0.12', dev: 'orch.1' }]);
    expect(plan.skipped).toEqual([{ node: 'h3', reason: 'its VTEP MAC is not published yet' }]);
  });

  it('host-gw: routes via the node IPs on the uplink, refusing a family the node IP cannot carry', () => {
    const plan = planRoutes({ name: 'h1', nodeIP: '10.250.0.11', backend: 'host-gw', uplink: 'eth0' }, peers);
    expect(plan.routes).toEqual([
      { dst: '10.244.2.0/24', via: '10.250.0.12', dev: 'eth0', onlink: false },
      { dst: '10.244.3.0/24', via: '10.250.0.13', dev: 'eth0', onlink: false },
    ]);
    expect(plan.skipped).toEqual([{ node: 'h2', reason: 'host-gw cannot route fd00:10:244:2::/64 via 10.250.0.12 (another IP family)' }]);
    expect(plan.neighbors).toEqual([]);
  });
});

describe('diffKernel', () => {
  it('adds what is missing, removes what is stale (e.g. a deleted node), leaves the rest', () => {
    const want = planRoutes({ name: 'h1', nodeIP: '10.250.0.11', backend: 'vxlan', uplink: 'eth0' }, peers);
    const stale = { dst: '10.244.9.0/24', via: '10.244.9.0', dev: 'orch.1', onlink: true };
    const have = { routes: [want.routes[0]!, stale], neighbors: want.neighbors.map((n) => ({ ...n, mac: n.mac.toUpperCase() })), fdb: [] };
    const d = diffKernel(want, have);
    expect(d.addRoutes).toEqual([want.routes[1]]);
    expect(d.delRoutes).toEqual([stale]);
    expect(d.addNeighbors).toEqual([]);
    expect(d.addFdb).toEqual(want.fdb);
    expect(isEmptyDiff(diffKernel(want, want))).toBe(true);
  });
});

describe('addresses', () => {
  it('tunnel address is the network address; VTEP MACs are stable, unicast and locally administered', () => {
    expect(tunnelAddress('10.244.7.0/24')).toBe('10.244.7.0');
    expect(vtepMacFor('10.250.0.11')).toBe('0e:6f:0a:fa:00:0b');
    expect(vtepMacFor('2001:db8::1')).toBe(vtepMacFor('2001:db8::1'));
    expect(vtepMacFor('2001:db8::1')).not.toBe(vtepMacFor('2001:db8::2'));
    expect(parseInt(vtepMacFor('10.0.0.1').slice(0, 2), 16) & 0b11).toBe(0b10);
  });
});

describe('firewall rules', () => {
  it("one accept pair per cluster CIDR in the cluster's own chain, pod-to-pod without NAT, masquerade to the outside only", () => {
    const { forward, nat } = clusterChains(['10.244.0.0/16']);
    expect(forward).toMatch(/^ORCH-FWD-[0-9a-f]{8}$/);
    expect(nat).toMatch(/^ORCH-NAT-[0-9a-f]{8}$/);
    const text = firewallRules(['10.244.0.0/16']);
    // Declaring a chain flushes it: only the cluster's own chains are declared, never the shared entry chains.
    expect(text).toContain(`:${forward} - [0:0]`);
    expect(text).not.toContain(':ORCH-FORWARD');
    expect(text).not.toContain(':ORCH-POSTROUTING');
    expect(text).toContain(`-A ${forward} -s 10.244.0.0/16 -m comment --comment "orch: pod traffic out" -j ACCEPT`);
    expect(text).toContain(`-A ${nat} -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "orch: pod to pod, no NAT" -j RETURN`);
    expect(text.indexOf('RETURN')).toBeLessThan(text.indexOf('MASQUERADE'));
    expect(firewallRules(['fd00:10:244::/56'])).toContain('! -d ff00::/8');
    expect(jumpRules(true)[0]).toMatchObject({ table: 'filter', chain: 'DOCKER-USER' });
    expect(jumpRules(false)[0]).toMatchObject({ chain: 'FORWARD' });
  });

  it('the chains of a cluster: the same for its agents whatever the order of its CIDRs, another for another cluster', () => {
    expect(clusterChains(['10.244.0.0/16', '10.245.0.0/16'])).toEqual(clusterChains(['10.245.0.0/16', '10.244.0.0/16']));
    expect(clusterChains(['10.244.0.0/16']).forward).not.toBe(clusterChains(['10.243.0.0/16']).forward);
    expect(clusterJumps(['10.244.0.0/16']).map((j) => [j.table, j.chain, j.rule.at(-1)])).toEqual([
      ['filter', 'ORCH-FORWARD', clusterChains(['10.244.0.0/16']).forward],
      ['nat', 'ORCH-POSTROUTING', clusterChains(['10.244.0.0/16']).nat],
    ]);
  });
});

describe('kernel scope: one cluster among several on a host', () => {
  it('inScope: addresses and ranges inside the cluster CIDRs, by family; no scope is everything', () => {
    expect(inScope(['10.244.0.0/16'], '10.244.3.0')).toBe(true);
    expect(inScope(['10.244.0.0/16'], '10.244.3.0/24')).toBe(true);
    expect(inScope(['10.244.0.0/16'], '10.233.3.0/24')).toBe(false);
    expect(inScope(['10.244.0.0/16'], 'fd00::1')).toBe(false);
    expect(inScope(undefined, '192.0.2.1')).toBe(true);
  });

  it("scoped: the other cluster's routes and neighbours are not ours; a VTEP MAC it uses is not ours to remove", () => {
    const mac1 = '0e:6f:0a:00:00:01';
    const mac2 = '0e:6f:0a:00:00:02';
    const have = {
      routes: [
        { dst: '10.244.1.0/24', via: '10.244.1.0', dev: 'orch.1', onlink: true },
        { dst: '10.233.1.0/24', via: '10.233.1.0', dev: 'orch.1', onlink: true },
      ],
      neighbors: [
        { ip: '10.244.1.0', mac: mac1, dev: 'orch.1' },
        { ip: '10.233.1.0', mac: mac1, dev: 'orch.1' }, // the same host in both clusters
        { ip: '10.233.2.0', mac: mac2, dev: 'orch.1' }, // a host only the other cluster has
      ],
      fdb: [
        { mac: mac1, dst: '10.0.0.1', dev: 'orch.1' },
        { mac: mac2, dst: '10.0.0.2', dev: 'orch.1' },
        { mac: '0e:6f:0a:00:00:03', dst: '10.0.0.3', dev: 'orch.1' }, // nobody's neighbour: ours to clean
      ],
    };
    const s = scoped(have, ['10.244.0.0/16']);
    expect(s.routes.map((r) => r.dst)).toEqual(['10.244.1.0/24']);
    expect(s.neighbors.map((n) => n.ip)).toEqual(['10.244.1.0']);
    // mac1's host is in both clusters: its entry is shared, so neither cluster removes it alone.
    expect(s.fdb.map((f) => f.dst)).toEqual(['10.0.0.3']);
    expect(scoped(have, undefined)).toBe(have);
  });
});

describe('afterDiff', () => {
  it('is what the kernel holds after the diff is written: deletions gone, additions in, a replaced entry once', () => {
    const have = {
      routes: [{ dst: '10.244.2.0/24', via: '10.244.2.0', dev: 'orch.1', onlink: true }, { dst: '10.244.9.0/24', via: '10.244.9.0', dev: 'orch.1', onlink: true }],
      neighbors: [{ ip: '10.244.2.0', mac: '0e:00:00:00:00:02', dev: 'orch.1' }],
      fdb: [{ mac: '0e:00:00:00:00:02', dst: '10.250.0.12', dev: 'orch.1' }],
      other: 'ignored',
    };
    const want = planRoutes({ name: 'h1', nodeIP: '10.250.0.11', backend: 'vxlan', uplink: 'eth0' }, [
      { name: 'h2', podCIDRs: ['10.244.2.0/24'], nodeIP: '10.250.0.12', vtepMac: '0E:00:00:00:00:02' },
      { name: 'h3', podCIDRs: ['10.244.3.0/24'], nodeIP: '10.250.0.13', vtepMac: '0e:00:00:00:00:03' },
    ]);
    const after = afterDiff(have, diffKernel(want, have));
    expect(isEmptyDiff(diffKernel(want, after))).toBe(true);
    expect(after.routes.map((r) => r.dst).sort()).toEqual(['10.244.2.0/24', '10.244.3.0/24']);
    expect(after.neighbors).toHaveLength(2);
    expect(after.fdb).toHaveLength(2);
  });
});
