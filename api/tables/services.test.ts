import { describe, expect, it } from 'vitest';
import type { Endpoints, EndpointSlice, Service } from '../types.js';
import { endpointsCell, SERVICE_TABLES } from './services.js';
import { tableFor } from './table.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const meta = { name: 'x', namespace: 'default', creationTimestamp: '2026-01-01T11:58:00Z' };

const svc = (spec: Partial<Service['spec']>, status?: Service['status']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { type: 'ClusterIP', ...spec }, ...(status ? { status } : {}) });
const svcRow = (spec: Partial<Service['spec']>, status?: Service['status']) => SERVICE_TABLES.services!.row(svc(spec, status), NOW);

const slice = (s: Partial<EndpointSlice>): EndpointSlice => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta, addressType: 'IPv4', endpoints: [], ...s });
const sliceRow = (s: Partial<EndpointSlice>) => SERVICE_TABLES.endpointslices!.row(slice(s), NOW);

const ep = (subsets: Endpoints['subsets']): Endpoints => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: meta, ...(subsets ? { subsets } : {}) });
const ips = (...last: number[]) => last.map((n) => ({ ip: `10.0.0.${n}` }));

describe('services (kubectl printService)', () => {
  it('columns NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, SELECTOR with -o wide', () => {
    expect(tableFor({ plural: 'services' }).columns.map((c) => `${c.name}${c.priority ? '*' : ''}`)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector*']);
  });

  it('ClusterIP and NodePort: ports with node ports and protocols, selector sorted', () => {
    expect(svcRow({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'web' } })).toEqual(['x', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '2m', 'app=web']);
    expect(svcRow({ type: 'NodePort', clusterIPs: ['10.96.0.9'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { b: '2', a: '1' } })).toEqual([
      'x', 'NodePort', '10.96.0.9', '<none>', '80:30080/TCP,53/UDP', '2m', 'a=1,b=2',
    ]);
  });

  it('CLUSTER-IP: clusterIPs[0] (dual stack shows the first), "None" when headless, <none> before allocation', () => {
    expect(svcRow({ clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9', 'fd00::9'] })[2]).toBe('10.96.0.9');
    expect(svcRow({ clusterIP: 'None', clusterIPs: ['None'] })[2]).toBe('None');
    expect(svcRow({})[2]).toBe('<none>');
  });

  it('no ports, no selector', () => {
    expect(svcRow({ clusterIP: 'None' }).slice(4)).toEqual(['<none>', '2m', '<none>']);
  });

  it('EXTERNAL-IP: externalIPs; LoadBalancer <pending>, then its ingress (sorted, unique, IP before hostname) and externalIPs', () => {
    expect(svcRow({ externalIPs: ['1.2.3.4', '1.2.3.5'] })[3]).toBe('1.2.3.4,1.2.3.5');
    expect(svcRow({ type: 'NodePort', externalIPs: ['1.2.3.4'] })[3]).toBe('1.2.3.4');
    expect(svcRow({ type: 'LoadBalancer' })[3]).toBe('<pending>');
    expect(svcRow({ type: 'LoadBalancer' }, { loadBalancer: {} })[3]).toBe('<pending>');
    const ingress = [{ ip: '192.168.0.12' }, { ip: '192.168.0.11' }, { ip: '192.168.0.12' }, { hostname: 'lb.example.com' }, { ip: '192.168.0.13', hostname: 'ignored' }];
    // Wide on the server (as Kubernetes' table convertor): never cut at 16 characters.
    expect(svcRow({ type: 'LoadBalancer' }, { loadBalancer: { ingress } })[3]).toBe('192.168.0.11,192.168.0.12,192.168.0.13,lb.example.com');
    expect(svcRow({ type: 'LoadBalancer', externalIPs: ['1.2.3.4'] }, { loadBalancer: { ingress: [{ ip: '192.168.0.11' }] } })[3]).toBe('192.168.0.11,1.2.3.4');
    expect(svcRow({ type: 'LoadBalancer', externalIPs: ['1.2.3.4'] })[3]).toBe('1.2.3.4');
  });

  it('ExternalName: the name as EXTERNAL-IP, no cluster IP', () => {
    expect(svcRow({ type: 'ExternalName', externalName: 'db.example.com' }).slice(1, 5)).toEqual(['ExternalName', '<none>', 'db.example.com', '<none>']);
  });
});

describe('endpoints (kubectl formatEndpoints)', () => {
  it('ip:port per address and port, the first three then "+ N more..."', () => {
    expect(SERVICE_TABLES.endpoints!.row(ep([{ addresses: ips(1, 2), ports: [{ port: 80 }] }]), NOW)).toEqual(['x', '10.0.0.1:80,10.0.0.2:80', '2m']);
    expect(endpointsCell(ep([{ addresses: ips(1, 2, 3), ports: [{ port: 80 }] }]))).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.3:80');
    expect(endpointsCell(ep([{ addresses: ips(1, 2), ports: [{ port: 80 }] }, { addresses: ips(3, 4), ports: [{ port: 80 }] }]))).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...');
    expect(endpointsCell(ep([{ addresses: ips(1, 2, 3), ports: [{ port: 80 }, { port: 443 }] }]))).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more...');
  });

  it('IPv6 in brackets, headless (no ports) bare IPs, no subsets <none>, only not-ready addresses empty', () => {
    expect(endpointsCell(ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }]))).toBe('[fd00::1]:80');
    expect(endpointsCell(ep([{ addresses: ips(1, 2, 3, 4) }]))).toBe('10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...');
    expect(endpointsCell(ep(undefined))).toBe('<none>');
    expect(endpointsCell(ep([]))).toBe('<none>');
    expect(endpointsCell(ep([{ notReadyAddresses: ips(1), ports: [{ port: 80 }] }]))).toBe('');
  });

  it('per named port (describe svc)', () => {
    const e = ep([{ addresses: ips(1), ports: [{ name: 'http', port: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }] }]);
    expect(endpointsCell(e, new Set(['dns']))).toBe('10.0.0.1:53');
    expect(endpointsCell(e, new Set(['other']))).toBe('');
    expect(endpointsCell(ep([{ addresses: ips(1), ports: [{ port: 80 }] }]), new Set(['']))).toBe('10.0.0.1:80');
  });
});

describe('endpointslices (kubectl printEndpointSlice)', () => {
  it('columns NAME ADDRESSTYPE PORTS ENDPOINTS AGE', () => {
    expect(tableFor({ plural: 'endpointslices' }).columns.map((c) => c.name.toUpperCase())).toEqual(['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
  });

  it('ports as numbers, every address of every endpoint (ready or not), first three then "+ N more..."', () => {
    const endpoints = [
      { addresses: ['10.244.1.2'], conditions: { ready: true } },
      { addresses: ['10.244.1.3'], conditions: { ready: false } },
      { addresses: ['10.244.2.2'] },
      { addresses: ['10.244.2.3'] },
    ];
    expect(sliceRow({ ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }], endpoints })).toEqual(['x', 'IPv4', '80,443', '10.244.1.2,10.244.1.3,10.244.2.2 + 1 more...', '2m']);
    expect(sliceRow({ ports: [{ port: 1 }, { port: 2 }, { port: 3 }, { port: 4 }, { port: 5 }], endpoints: endpoints.slice(0, 3) }).slice(2, 4)).toEqual(['1,2,3 + 2 more...', '10.244.1.2,10.244.1.3,10.244.2.2']);
  });

  it('<unset> without ports or endpoints; a port without a number shows its name, else *', () => {
    expect(sliceRow({ addressType: 'IPv6' }).slice(1, 4)).toEqual(['IPv6', '<unset>', '<unset>']);
    expect(sliceRow({ ports: [{ name: 'http' }, {}] })[2]).toBe('http,*');
  });
});
