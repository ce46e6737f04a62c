import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Node } from '../../api/types.js';
import { svcOf } from '../testing/service-fixtures.js';
import { loadBalancerIngress } from './ingress.js';

const node = (name: string, ips: string[], o: { ready?: boolean; unschedulable?: boolean } = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: { unschedulable: o.unschedulable },
  status: { conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }], addresses: [...ips.map((address) => ({ type: 'InternalIP', address })), { type: 'Hostname', address: name }] },
});
const slice = (eps: [string, boolean][]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 's', namespace: 'default' },
  addressType: 'IPv4',
  endpoints: eps.map(([nodeName, ready], i) => ({ addresses: [`10.244.0.${i + 1}`], nodeName, conditions: { ready } })),
});

describe('LoadBalancer ingress', () => {
  const nodes = [node('n1', ['192.168.1.11']), node('n2', ['192.168.1.12', 'fd00::12']), node('n3', ['192.168.1.13'], { ready: false }), node('n4', ['192.168.1.14'], { unschedulable: true })];
  const lb = svcOf({ type: 'LoadBalancer' });

  it('InternalIPs of ready, schedulable nodes', () => {
    expect(loadBalancerIngress(lb, nodes, [])).toEqual([{ ip: '192.168.1.11' }, { ip: '192.168.1.12' }, { ip: 'fd00::12' }]);
  });
  it('only the families of the service', () => {
    expect(loadBalancerIngress(svcOf({ type: 'LoadBalancer', ipFamilies: ['IPv4'] }), nodes, [])).toEqual([{ ip: '192.168.1.11' }, { ip: '192.168.1.12' }]);
  });
  it('externalTrafficPolicy Local: only nodes with a ready endpoint', () => {
    const local = svcOf({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', ipFamilies: ['IPv4'] });
    expect(loadBalancerIngress(local, nodes, [slice([['n2', true], ['n1', false], ['n3', true]])])).toEqual([{ ip: '192.168.1.12' }]);
    expect(loadBalancerIngress(local, nodes, [])).toEqual([]);
  });
});
