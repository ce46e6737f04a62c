import { describe, expect, it } from 'vitest';
import { ancestorsBelow, canonicalName, dashedIp, inDomain, ipFromDashed, parsePodName, reverseName } from './dns-names.js';

describe('cluster DNS names', () => {
  it('canonical form: lowercase, no trailing dot; domain membership by whole labels', () => {
    expect(canonicalName('Web.Default.SVC.Cluster.Local.')).toBe('web.default.svc.cluster.local');
    expect(inDomain('a.cluster.local', 'cluster.local')).toBe(true);
    expect(inDomain('cluster.local', 'cluster.local')).toBe(true);
    expect(inDomain('mycluster.local', 'cluster.local')).toBe(false);
  });

  it('dashed addresses both ways (IPv6 as CoreDNS writes it)', () => {
    expect(dashedIp('10.244.1.5')).toBe('10-244-1-5');
    expect(dashedIp('fd00:10:244::5')).toBe('fd00-10-244--5');
    expect(ipFromDashed('10-244-1-5')).toEqual({ family: 4, ip: '10.244.1.5' });
    expect(ipFromDashed('fd00-10-244--5')).toEqual({ family: 6, ip: 'fd00:10:244::5' });
    expect(ipFromDashed('10-244-1-256')).toBeUndefined();
    expect(ipFromDashed('web')).toBeUndefined();
  });

  it('reverse names', () => {
    expect(reverseName('10.96.0.1')).toBe('1.0.96.10.in-addr.arpa');
    expect(reverseName('fd00::1')).toBe(`1.${'0.'.repeat(27)}0.0.d.f.ip6.arpa`);
    expect(reverseName('nope')).toBeUndefined();
  });

  it('pod names: exactly <ip>.<ns>.pod.<domain>', () => {
    expect(parsePodName('10-1-2-3.team.pod.cluster.local', 'cluster.local')).toEqual({ ns: 'team', family: 4, ip: '10.1.2.3' });
    expect(parsePodName('x.10-1-2-3.team.pod.cluster.local', 'cluster.local')).toBeUndefined();
    expect(parsePodName('10-1-2-3.team.svc.cluster.local', 'cluster.local')).toBeUndefined();
  });

  it('ancestors strictly between a name and the domain', () => {
    expect(ancestorsBelow('_http._tcp.web.ns.svc.cluster.local', 'cluster.local')).toEqual(['_tcp.web.ns.svc.cluster.local', 'web.ns.svc.cluster.local', 'ns.svc.cluster.local', 'svc.cluster.local']);
    expect(ancestorsBelow('1.0.96.10.in-addr.arpa', 'cluster.local')).toEqual([]);
  });
});
