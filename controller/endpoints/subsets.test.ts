import { describe, expect, it } from 'vitest';
import { podOf, svcOf } from '../testing/service-fixtures.js';
import { endpointSubsets, truncateSubsets } from './subsets.js';

const ref = (name: string) => ({ kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` });

describe('Endpoints subsets', () => {
  it('ready pods under addresses, unready under notReadyAddresses, terminating left out', () => {
    const subsets = endpointSubsets(svcOf(), [podOf('p2'), podOf('p1'), podOf('p3', { ready: false }), podOf('p4', { deleting: true })]);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: '10.244.0.1', nodeName: 'node-1', targetRef: ref('p1') },
          { ip: '10.244.0.2', nodeName: 'node-1', targetRef: ref('p2') },
        ],
        notReadyAddresses: [{ ip: '10.244.0.3', nodeName: 'node-1', targetRef: ref('p3') }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('one subset per resolved port set; a pod resolving no port is left out', () => {
    const svc = svcOf({ ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' }] });
    const noPorts = podOf('p9');
    noPorts.spec.containers[0]!.ports = [];
    const subsets = endpointSubsets(svc, [podOf('p1'), podOf('p2', { port: 9090 }), noPorts]);
    expect(subsets.map((s) => [s.addresses!.map((a) => a.ip), s.ports!.map((p) => `${p.name}:${p.port}/${p.protocol}`)])).toEqual([
      [['10.244.0.1'], ['dns:53/UDP', 'http:8080/TCP']],
      [['10.244.0.2'], ['dns:53/UDP', 'http:9090/TCP']],
    ]);
  });

  it('publishNotReadyAddresses: unready and terminating pods are addresses', () => {
    const subsets = endpointSubsets(svcOf({ publishNotReadyAddresses: true }), [podOf('p1', { ready: false }), podOf('p2', { deleting: true })]);
    expect(subsets[0]!.addresses!.map((a) => a.ip)).toEqual(['10.244.0.1', '10.244.0.2']);
    expect(subsets[0]!.notReadyAddresses).toBeUndefined();
  });

  it('the address of the service family; headless without ports lists pods with hostnames', () => {
    expect(endpointSubsets(svcOf({ ipFamilies: ['IPv6'] }), [podOf('p1', { ip: ['10.244.0.1', 'fd00::1'] })])[0]!.addresses![0]!.ip).toBe('fd00::1');
    const db = podOf('p5');
    db.spec.hostname = 'db-0';
    db.spec.subdomain = 'web';
    expect(endpointSubsets(svcOf({ clusterIP: 'None', ports: [] }), [db])).toEqual([{ addresses: [{ ip: '10.244.0.5', hostname: 'db-0', nodeName: 'node-1', targetRef: ref('p5') }] }]);
  });

  it('no pods: no subsets', () => {
    expect(endpointSubsets(svcOf(), [])).toEqual([]);
  });

  it('more than 1000 addresses: cut to 1000, ready ones kept first', () => {
    const many = Array.from({ length: 1100 }, (_, i) => podOf(`p${i}`, { ip: `10.244.${i >> 8}.${i & 255}`, ready: i >= 50 }));
    const { subsets, truncated } = truncateSubsets(endpointSubsets(svcOf(), many));
    expect(truncated).toBe(true);
    expect(subsets[0]!.addresses).toHaveLength(1000);
    expect(subsets[0]!.notReadyAddresses).toBeUndefined();
    expect(truncateSubsets(endpointSubsets(svcOf(), many.slice(0, 10))).truncated).toBe(false);
  });
});
