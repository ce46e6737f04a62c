import { describe, expect, it } from 'vitest';
import { emptyRecord, recordFromConfigMap, recordToData } from '../../api/net/pod-network.js';
import { adoptExisting, allocateFor, releaseFor } from './allocator.js';
import { podNetworkPlan, PodNetworkConfigError } from './config.js';

describe('allocateFor', () => {
  it('hands out consecutive blocks, one per family, and keeps a reservation for a retry', () => {
    let r = emptyRecord(['10.244.0.0/16', 'fd00:10:244::/56'], [24, 64]);
    const a = allocateFor(r, 'n1');
    expect(a).toMatchObject({ kind: 'allocated', cidrs: ['10.244.0.0/24', 'fd00:10:244::/64'] });
    r = (a as { record: typeof r }).record;
    const b = allocateFor(r, 'n2');
    expect(b).toMatchObject({ kind: 'allocated', cidrs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] });
    r = (b as { record: typeof r }).record;
    // n1 crashed between reserving and writing its Node: the same ranges again.
    expect(allocateFor(r, 'n1')).toMatchObject({ kind: 'allocated', cidrs: ['10.244.0.0/24', 'fd00:10:244::/64'] });
  });

  it('does not hand a freed block out again at once (roving cursor), wraps around, and says when the range is full', () => {
    let r = emptyRecord(['10.244.0.0/23'], [24]);
    r = (allocateFor(r, 'a') as { record: typeof r }).record; // .0
    r = (allocateFor(r, 'b') as { record: typeof r }).record; // .1
    expect(allocateFor(r, 'c')).toEqual({ kind: 'exhausted', clusterCIDR: '10.244.0.0/23' });
    r = releaseFor(r, 'a')!;
    expect(allocateFor(r, 'c')).toMatchObject({ kind: 'allocated', cidrs: ['10.244.0.0/24'] });
    let s = emptyRecord(['10.244.0.0/22'], [24]);
    s = (allocateFor(s, 'a') as { record: typeof s }).record; // .0
    s = releaseFor(s, 'a')!;
    expect(allocateFor(s, 'b')).toMatchObject({ cidrs: ['10.244.1.0/24'] });
  });

  it('survives the ConfigMap round trip', () => {
    let r = emptyRecord(['10.244.0.0/16'], [24]);
    r = (allocateFor(r, 'n1') as { record: typeof r }).record;
    const back = recordFromConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: recordToData(r) });
    expect(back).toEqual(r);
    expect(recordFromConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { ...recordToData(r), allocations: '{broken' } })?.allocations).toEqual({});
  });
});

describe('adoptExisting', () => {
  const base = (allocateFor(emptyRecord(['10.244.0.0/16'], [24]), 'n1') as { record: ReturnType<typeof emptyRecord> }).record;
  it('records a node range set by hand, refuses one another node holds or one outside the plan', () => {
    expect(adoptExisting(base, 'n1', ['10.244.0.0/24'])).toEqual({ kind: 'unchanged' });
    expect(adoptExisting(base, 'n2', ['10.244.9.0/24'])).toMatchObject({ kind: 'recorded' });
    expect(adoptExisting(base, 'n2', ['10.244.0.0/24'])).toEqual({ kind: 'conflict', cidr: '10.244.0.0/24', holder: 'n1' });
    expect(adoptExisting(base, 'n2', ['10.99.0.0/24'])).toMatchObject({ kind: 'outside', cidr: '10.99.0.0/24' });
    expect(adoptExisting(base, 'n2', ['10.244.9.0/25'])).toMatchObject({ kind: 'outside' });
  });
});

describe('podNetworkPlan', () => {
  const refuse = (f: Parameters<typeof podNetworkPlan>[0], hosts?: Parameters<typeof podNetworkPlan>[1]) => {
    try {
      podNetworkPlan(f, hosts);
    } catch (e) {
      expect(e).toBeInstanceOf(PodNetworkConfigError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };
  it('defaults and dual stack', () => {
    expect(podNetworkPlan({ clusterCidr: '10.244.0.0/16' })).toEqual({ clusterCIDRs: ['10.244.0.0/16'], nodeMaskSizes: [24] });
    expect(podNetworkPlan({ clusterCidr: 'fd00:10:244::/56,10.244.0.0/16' })).toEqual({ clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'], nodeMaskSizes: [24, 64] });
  });
  it('refuses bad plans naming the flag and the reason', () => {
    expect(refuse({ clusterCidr: '10.244.0.0/16', serviceClusterIpRange: '10.244.128.0/20' })).toMatch(/^--cluster-cidr: 10.244.0.0\/16 overlaps --service-cluster-ip-range/);
    expect(refuse({ clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 12 })).toMatch(/^--node-cidr-mask-size: \/12 blocks do not fit/);
    expect(refuse({ clusterCidr: '10.0.0.0/8', nodeCidrMaskSize: 28 })).toMatch(/more than 16 bits longer/);
    expect(refuse({ clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 31 })).toMatch(/leaves no room/);
    expect(refuse({ clusterCidr: '10.244.0.1/16' })).toMatch(/host bits set; did you mean 10.244.0.0\/16/);
    expect(refuse({ clusterCidr: '10.244.0.0/16,10.245.0.0/16' })).toMatch(/one IPv4 and one IPv6/);
    expect(refuse({ clusterCidr: 'bogus' })).toMatch(/^--cluster-cidr: "bogus"/);
    expect(refuse({ clusterCidr: '10.244.0.0/16,fd00::/56', nodeCidrMaskSize: 24 })).toMatch(/-ipv4 and --node-cidr-mask-size-ipv6/);
    expect(refuse({ clusterCidr: '10.0.0.0/8' }, [{ name: 'eth0', cidr: '10.250.0.10/24' }])).toMatch(/overlaps this host's network 10.250.0.10\/24 \(interface eth0\)/);
  });
});
