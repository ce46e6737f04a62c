import { describe, expect, it } from 'vitest';
import { cidrContains, cidrsOverlap, formatCidr, lastAddress, mustParseCidr, nthAddress, parseCidr, parseIp, formatIp, subnetAt, subnetCount, subnetIndex } from './cidr.js';

describe('parseIp / formatIp', () => {
  it('round-trips both families in their canonical spelling', () => {
    expect(formatIp(4, parseIp('10.244.1.7')!.value)).toBe('10.244.1.7');
    expect(parseIp('10.244.1.7')!.value).toBe(0x0af40107n);
    expect(formatIp(6, parseIp('fd00:10:244:0:0:0:0:1')!.value)).toBe('fd00:10:244::1');
    expect(parseIp('::ffff:1.2.3.4')!.family).toBe(6);
  });
  it('refuses what is not a dotted quad or an IPv6 address', () => {
    for (const bad of ['1', '0x7f.0.0.1', '10.1', '256.1.1.1', 'fe80::1%eth0', '', 'x', '1.2.3.4 ']) expect(parseIp(bad), bad).toBeUndefined();
  });
});

describe('parseCidr', () => {
  it('parses and masks', () => {
    const r = parseCidr('10.244.1.7/16');
    expect(r.ok && formatCidr(r.cidr)).toBe('10.244.0.0/16');
    expect(r.ok && r.hostBitsSet).toBe(true);
    const v6 = parseCidr('fd00:10:244::/56');
    expect(v6.ok && formatCidr(v6.cidr)).toBe('fd00:10:244::/56');
    expect(v6.ok && v6.hostBitsSet).toBe(false);
  });
  it('says why a value is not a CIDR', () => {
    expect(parseCidr('10.244.0.0')).toEqual({ ok: false, reason: expect.stringContaining('address/prefix') });
    expect(parseCidr('10.244.0.0/33')).toEqual({ ok: false, reason: 'prefix length must be 0..32 for IPv4' });
    expect(parseCidr('fd00::/129')).toEqual({ ok: false, reason: 'prefix length must be 0..128 for IPv6' });
    expect(parseCidr('10.244.0.0/-1').ok).toBe(false);
    expect(parseCidr('nope/8')).toEqual({ ok: false, reason: '"nope" is not an IP address' });
  });
});

describe('range arithmetic', () => {
  const cluster = mustParseCidr('10.244.0.0/16');
  it('counts and indexes node blocks', () => {
    expect(subnetCount(cluster, 24)).toBe(256n);
    expect(formatCidr(subnetAt(cluster, 24, 0n))).toBe('10.244.0.0/24');
    expect(formatCidr(subnetAt(cluster, 24, 255n))).toBe('10.244.255.0/24');
    expect(subnetIndex(cluster, 24, mustParseCidr('10.244.7.0/24'))).toBe(7n);
    expect(subnetIndex(cluster, 24, mustParseCidr('10.245.7.0/24'))).toBeUndefined();
    expect(subnetIndex(cluster, 24, mustParseCidr('10.244.7.0/25'))).toBeUndefined();
    const v6 = mustParseCidr('fd00:10:244::/56');
    expect(formatCidr(subnetAt(v6, 64, 3n))).toBe('fd00:10:244:3::/64');
  });
  it('overlap, containment, addresses', () => {
    expect(cidrsOverlap(cluster, mustParseCidr('10.0.0.0/8'))).toBe(true);
    expect(cidrsOverlap(cluster, mustParseCidr('10.96.0.0/12'))).toBe(false);
    expect(cidrsOverlap(cluster, mustParseCidr('fd00::/8'))).toBe(false);
    expect(cidrContains(cluster, parseIp('10.244.255.255')!)).toBe(true);
    expect(cidrContains(cluster, parseIp('10.245.0.0')!)).toBe(false);
    expect(formatIp(4, lastAddress(cluster))).toBe('10.244.255.255');
    expect(nthAddress(mustParseCidr('10.244.3.0/24'), 1)).toBe('10.244.3.1');
  });
});
