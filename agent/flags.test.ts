import { describe, expect, it } from 'vitest';
import { parseClusterDns, parseClusterDomain } from './flags.js';

describe('agent DNS flags', () => {
  it('--cluster-dns: one or more IP addresses; unset → undefined (the pod gateway)', () => {
    expect(parseClusterDns(undefined)).toBeUndefined();
    expect(parseClusterDns('10.96.0.10, fd00::a')).toEqual(['10.96.0.10', 'fd00::a']);
    expect(() => parseClusterDns('10.96.0.10,dns.local')).toThrow('--cluster-dns: "dns.local" is not an IP address');
  });

  it('--cluster-domain: a DNS subdomain, lowercased, trailing dot dropped', () => {
    expect(parseClusterDomain('Cluster.Local.')).toBe('cluster.local');
    expect(() => parseClusterDomain('bad_domain')).toThrow(/--cluster-domain: "bad_domain"/);
  });
});
