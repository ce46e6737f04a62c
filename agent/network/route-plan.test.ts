import { describe, expect, it } from 'vitest';
import { firewallRules, jumpRules } from './firewall-rules.js';
import { diffKernel, isEmptyDiff, planRoutes, tunnelAddress, vtepMacFor, type NetworkPeer } from './route-plan.js';

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
  it('one accept pair per cluster CIDR, pod-to-pod without NAT, masquerade to the outside only', () => {
    const text = firewallRules(['10.244.0.0/16']);
    expect(text).toContain(':ORCH-FORWARD - [0:0]');
    expect(text).toContain('-A ORCH-FORWARD -s 10.244.0.0/16 -m comment --comment "orch: pod traffic out" -j ACCEPT');
    expect(text).toContain('-A ORCH-POSTROUTING -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "orch: pod to pod, no NAT" -j RETURN');
    expect(text.indexOf('RETURN')).toBeLessThan(text.indexOf('MASQUERADE'));
    expect(firewallRules(['fd00:10:244::/56'])).toContain('! -d ff00::/8');
    expect(jumpRules(true)[0]).toMatchObject({ table: 'filter', chain: 'DOCKER-USER' });
    expect(jumpRules(false)[0]).toMatchObject({ chain: 'FORWARD' });
  });
});
