import { describe, expect, it } from 'vitest';
import type { Answer } from 'dns-packet';
import { ClusterZone, type LookupResult } from './cluster-zone.js';
import { endpoint, endpointSlice, service } from './testing/objects.js';

const data = (r: LookupResult) => (r.kind === 'local' ? r.answers.map((a) => `${a.type} ${JSON.stringify((a as { data: unknown }).data)}`).sort() : 'forward');
const result = (r: LookupResult) => (r.kind === 'local' ? r.result : 'forward');

function zoneWithWeb(): ClusterZone {
  const z = new ClusterZone('cluster.local');
  z.setService(service('default', 'web', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 8080 }] }));
  return z;
}

describe('cluster zone: ClusterIP services', () => {
  it('answers A with the clusterIP, case-insensitively and with the name as asked', () => {
    const r = zoneWithWeb().lookup('Web.Default.SVC.cluster.local.', 'A');
    expect(data(r)).toEqual(['A "10.96.0.10"']);
    expect(r.kind === 'local' && r.answers[0]!.name).toBe('Web.Default.SVC.cluster.local');
  });

  it('AAAA of an IPv4-only service is NODATA (the name exists) with the SOA in authority', () => {
    const r = zoneWithWeb().lookup('web.default.svc.cluster.local', 'AAAA');
    expect(result(r)).toBe('nodata');
    expect(r.kind === 'local' && r.authorities.map((a) => a.type)).toEqual(['SOA']);
  });

  it('a dual-stack service answers A and AAAA from its clusterIPs', () => {
    const z = new ClusterZone('cluster.local');
    z.setService(service('ns1', 'dual', { clusterIP: '10.96.0.11', clusterIPs: ['10.96.0.11', 'fd00:96::b'] }));
    expect(data(z.lookup('dual.ns1.svc.cluster.local', 'AAAA'))).toEqual(['AAAA "fd00:96::b"']);
    expect(data(z.lookup('dual.ns1.svc.cluster.local', 'A'))).toEqual(['A "10.96.0.11"']);
  });

  it('SRV for named ports only, with the service A record as additional', () => {
    const z = zoneWithWeb();
    const r = z.lookup('_http._tcp.web.default.svc.cluster.local', 'SRV');
    expect(data(r)).toEqual(['SRV {"priority":0,"weight":100,"port":80,"target":"web.default.svc.cluster.local"}']);
    expect(r.kind === 'local' && r.additionals.map((a) => `${a.name} ${a.type}`)).toEqual(['web.default.svc.cluster.local A']);
    expect(result(z.lookup('_8080._tcp.web.default.svc.cluster.local', 'SRV'))).toBe('nxdomain');
    expect(result(z.lookup('_http._udp.web.default.svc.cluster.local', 'SRV'))).toBe('nxdomain');
  });

  it('empty non-terminals exist (NODATA): the namespace, svc, _tcp.<svc>; unknown names are NXDOMAIN', () => {
    const z = zoneWithWeb();
    expect(result(z.lookup('default.svc.cluster.local', 'A'))).toBe('nodata');
    expect(result(z.lookup('svc.cluster.local', 'A'))).toBe('nodata');
    expect(result(z.lookup('_tcp.web.default.svc.cluster.local', 'A'))).toBe('nodata');
    expect(result(z.lookup('other.default.svc.cluster.local', 'A'))).toBe('nxdomain');
    expect(result(z.lookup('web.other.svc.cluster.local', 'A'))).toBe('nxdomain');
    expect(result(z.lookup('other.svc.cluster.local', 'A'))).toBe('nxdomain');
  });

  it('the zone apex has an SOA; dns-version has the schema version', () => {
    const z = zoneWithWeb();
    expect(data(z.lookup('cluster.local', 'SOA'))[0]).toMatch(/^SOA .*"mname":"ns.dns.cluster.local"/);
    expect(data(z.lookup('dns-version.cluster.local', 'TXT'))).toEqual(['TXT "1.1.0"']);
  });

  it('PTR for the clusterIP; unknown addresses and names outside the domain are forwarded', () => {
    const z = zoneWithWeb();
    expect(data(z.lookup('10.0.96.10.in-addr.arpa', 'PTR'))).toEqual(['PTR "web.default.svc.cluster.local"']);
    expect(result(z.lookup('11.0.96.10.in-addr.arpa', 'PTR'))).toBe('forward');
    expect(result(z.lookup('example.com', 'A'))).toBe('forward');
    expect(result(z.lookup('cluster.local.example.com', 'A'))).toBe('forward');
  });

  it('a change rebuilds the service: new IP answered, deleted service gone (NXDOMAIN, PTR forwarded)', () => {
    const z = zoneWithWeb();
    z.setService(service('default', 'web', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'] }));
    expect(data(z.lookup('web.default.svc.cluster.local', 'A'))).toEqual(['A "10.96.0.20"']);
    expect(result(z.lookup('10.0.96.10.in-addr.arpa', 'PTR'))).toBe('forward');
    expect(result(z.lookup('_http._tcp.web.default.svc.cluster.local', 'SRV'))).toBe('nxdomain');
    z.deleteService(service('default', 'web', {}));
    expect(result(z.lookup('web.default.svc.cluster.local', 'A'))).toBe('nxdomain');
    expect(result(z.lookup('default.svc.cluster.local', 'A'))).toBe('nxdomain');
  });

  it('a service without an allocated clusterIP has no name yet', () => {
    const z = new ClusterZone('cluster.local');
    z.setService(service('default', 'new', {}));
    expect(result(z.lookup('new.default.svc.cluster.local', 'A'))).toBe('nxdomain');
  });

  it('another cluster domain', () => {
    const z = new ClusterZone('Corp.Example.');
    z.setService(service('a', 'b', { clusterIP: '10.0.0.5' }));
    expect(data(z.lookup('b.a.svc.corp.example', 'A'))).toEqual(['A "10.0.0.5"']);
    expect(result(z.lookup('b.a.svc.cluster.local', 'A'))).toBe('forward');
  });
});

describe('cluster zone: headless services', () => {
  function headless(): ClusterZone {
    const z = new ClusterZone('cluster.local');
    z.setService(service('db', 'pg', { clusterIP: 'None', ports: [{ name: 'sql', port: 5432 }] }));
    z.setSlice(endpointSlice('db', 'pg', 'pg-a', [endpoint('10.244.1.5', true, 'pg-0'), endpoint('10.244.2.7', true), endpoint('10.244.2.8', false, 'pg-2')], [{ name: 'sql', port: 15432, protocol: 'TCP' }]));
    return z;
  }

  it('A → the ready endpoints only', () => {
    expect(data(headless().lookup('pg.db.svc.cluster.local', 'A'))).toEqual(['A "10.244.1.5"', 'A "10.244.2.7"']);
  });

  it('<hostname>.<svc> for endpoints with a hostname, the dashed address for the others; not-ready ones absent', () => {
    const z = headless();
    expect(data(z.lookup('pg-0.pg.db.svc.cluster.local', 'A'))).toEqual(['A "10.244.1.5"']);
    expect(data(z.lookup('10-244-2-7.pg.db.svc.cluster.local', 'A'))).toEqual(['A "10.244.2.7"']);
    expect(result(z.lookup('pg-2.pg.db.svc.cluster.local', 'A'))).toBe('nxdomain');
  });

  it('SRV: one record per ready endpoint with the endpoint port, targets resolvable (additionals)', () => {
    const r = headless().lookup('_sql._tcp.pg.db.svc.cluster.local', 'SRV');
    expect(data(r)).toEqual([
      'SRV {"priority":0,"weight":50,"port":15432,"target":"10-244-2-7.pg.db.svc.cluster.local"}',
      'SRV {"priority":0,"weight":50,"port":15432,"target":"pg-0.pg.db.svc.cluster.local"}',
    ]);
    expect(r.kind === 'local' && r.additionals.map((a: Answer) => a.name).sort()).toEqual(['10-244-2-7.pg.db.svc.cluster.local', 'pg-0.pg.db.svc.cluster.local']);
  });

  it('PTR of an endpoint address → its hostname name', () => {
    expect(data(headless().lookup('5.1.244.10.in-addr.arpa', 'PTR'))).toEqual(['PTR "pg-0.pg.db.svc.cluster.local"']);
  });

  it('no ready endpoint → NXDOMAIN (spec 2.4.1); publishNotReadyAddresses publishes them all', () => {
    const z = new ClusterZone('cluster.local');
    z.setService(service('db', 'pg', { clusterIP: 'None' }));
    z.setSlice(endpointSlice('db', 'pg', 'pg-a', [endpoint('10.244.1.5', false)]));
    expect(result(z.lookup('pg.db.svc.cluster.local', 'A'))).toBe('nxdomain');
    z.setService(service('db', 'pg', { clusterIP: 'None', publishNotReadyAddresses: true }));
    expect(data(z.lookup('pg.db.svc.cluster.local', 'A'))).toEqual(['A "10.244.1.5"']);
  });

  it('several slices (IPv4 + IPv6) are merged; slices seen before their service count; a deleted slice takes its addresses along', () => {
    const z = new ClusterZone('cluster.local');
    z.setSlice(endpointSlice('db', 'pg', 'pg-v6', [endpoint('fd00:244::5')], [], 'IPv6'));
    z.setSlice(endpointSlice('db', 'pg', 'pg-v4', [endpoint('10.244.1.5')]));
    z.setService(service('db', 'pg', { clusterIP: 'None' }));
    expect(data(z.lookup('pg.db.svc.cluster.local', 'AAAA'))).toEqual(['AAAA "fd00:244::5"']);
    expect(data(z.lookup('fd00-244--5.pg.db.svc.cluster.local', 'AAAA'))).toEqual(['AAAA "fd00:244::5"']);
    z.deleteSlice(endpointSlice('db', 'pg', 'pg-v6', []));
    expect(result(z.lookup('pg.db.svc.cluster.local', 'AAAA'))).toBe('nodata');
    expect(data(z.lookup('pg.db.svc.cluster.local', 'A'))).toEqual(['A "10.244.1.5"']);
  });

  it('a slice relabelled to another service moves its addresses', () => {
    const z = new ClusterZone('cluster.local');
    z.setService(service('db', 'a', { clusterIP: 'None' }));
    z.setService(service('db', 'b', { clusterIP: 'None' }));
    z.setSlice(endpointSlice('db', 'a', 's1', [endpoint('10.244.1.5')]));
    z.setSlice(endpointSlice('db', 'b', 's1', [endpoint('10.244.1.5')]));
    expect(result(z.lookup('a.db.svc.cluster.local', 'A'))).toBe('nxdomain');
    expect(data(z.lookup('b.db.svc.cluster.local', 'A'))).toEqual(['A "10.244.1.5"']);
  });
});

describe('cluster zone: ExternalName and pods', () => {
  it('ExternalName → CNAME; outside the zone the caller chases it, inside it is followed', () => {
    const z = new ClusterZone('cluster.local');
    z.setService(service('default', 'ext', { type: 'ExternalName', externalName: 'www.example.com' }));
    z.setService(service('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }));
    z.setService(service('default', 'web', { clusterIP: '10.96.0.10' }));
    const ext = z.lookup('ext.default.svc.cluster.local', 'A');
    expect(data(ext)).toEqual(['CNAME "www.example.com"']);
    expect(ext.kind === 'local' && ext.chase).toBe('www.example.com');
    expect(data(z.lookup('ext.default.svc.cluster.local', 'CNAME'))).toEqual(['CNAME "www.example.com"']);
    const alias = z.lookup('alias.default.svc.cluster.local', 'A');
    expect(data(alias)).toEqual(['A "10.96.0.10"', 'CNAME "web.default.svc.cluster.local"']);
    expect(alias.kind === 'local' && alias.chase).toBeUndefined();
  });

  it('pod records a-b-c-d.<ns>.pod: A for IPv4, AAAA for IPv6, NODATA for the other family, NXDOMAIN when no address', () => {
    const z = new ClusterZone('cluster.local');
    expect(data(z.lookup('10-244-1-5.default.pod.cluster.local', 'A'))).toEqual(['A "10.244.1.5"']);
    expect(result(z.lookup('10-244-1-5.default.pod.cluster.local', 'AAAA'))).toBe('nodata');
    expect(data(z.lookup('fd00-244--5.default.pod.cluster.local', 'AAAA'))).toEqual(['AAAA "fd00:244::5"']);
    expect(result(z.lookup('10-244-1-300.default.pod.cluster.local', 'A'))).toBe('nxdomain');
    expect(result(z.lookup('default.pod.cluster.local', 'A'))).toBe('nodata');
  });
});
