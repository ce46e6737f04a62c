import { describe, expect, it } from 'vitest';
import { parseClusterDns, parseClusterDomain, parseContainerLogMaxFiles, parseContainerLogMaxSize } from './flags.js';

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

describe('container log rotation flags', () => {
  it('--container-log-max-size: a quantity of whole bytes, at least 1Ki; a clear message naming the flag', () => {
    expect(parseContainerLogMaxSize('10Mi')).toBe(10 * 1024 * 1024);
    expect(parseContainerLogMaxSize('1G')).toBe(1e9);
    expect(() => parseContainerLogMaxSize('ten')).toThrow('--container-log-max-size: "ten" is not a quantity of bytes (e.g. 10Mi, 500Ki, 1G)');
    expect(() => parseContainerLogMaxSize('0')).toThrow('--container-log-max-size: "0" must be a whole number of bytes, at least 1Ki');
    expect(() => parseContainerLogMaxSize('1500m')).toThrow(/at least 1Ki/);
  });

  it('--container-log-max-files: an integer ≥ 2', () => {
    expect(parseContainerLogMaxFiles('5')).toBe(5);
    expect(() => parseContainerLogMaxFiles('1')).toThrow('--container-log-max-files: "1" is not an integer from 2 to 1000');
    expect(() => parseContainerLogMaxFiles('2.5')).toThrow(/--container-log-max-files/);
  });
});
