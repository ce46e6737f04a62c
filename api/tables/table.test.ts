import { describe, expect, it } from 'vitest';
import { findResource } from '../resources.js';
import type { KubeObject } from '../types.js';
import { toTable } from './table.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const r = (plural: string) => findResource(plural === 'deployments' || plural === 'replicasets' ? 'apps' : plural === 'leases' ? 'coordination.k8s.io' : '', 'v1', plural)!;
const cells = (plural: string, o: Record<string, unknown>) => toTable(r(plural), [{ metadata: { name: 'x', creationTimestamp: '2026-01-01T11:00:00Z' }, ...o } as KubeObject], {}, NOW).rows[0]!.cells;
const headers = (plural: string) => toTable(r(plural), [], {}, NOW).columnDefinitions.map((c) => `${c.name}${c.priority ? '*' : ''}`);

describe('toTable', () => {
  it('a meta.k8s.io/v1 Table; rows carry PartialObjectMetadata unless asked otherwise', () => {
    const obj = { metadata: { name: 'c', namespace: 'ns', labels: { a: 'b' } }, data: { k: 'v' } } as KubeObject;
    const t = toTable(r('configmaps'), [obj], { resourceVersion: '9' }, NOW);
    expect(t).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '9' } });
    expect(t.rows[0]).toEqual({ cells: ['c', 1, '<unknown>'], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata } });
    expect(toTable(r('configmaps'), [obj], {}, NOW, 'None').rows[0]).toEqual({ cells: ['c', 1, '<unknown>'] });
    expect(toTable(r('configmaps'), [obj], {}, NOW, 'Object').rows[0]!.object).toBe(obj);
  });

  it('columns per kind as kubectl shows them (* = -o wide)', () => {
    expect(headers('pods')).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP*', 'Node*']);
    expect(headers('deployments')).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*']);
    expect(headers('nodes')).toEqual(['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP*', 'External-IP*', 'OS-Image*', 'Kernel-Version*', 'Container-Runtime*']);
    expect(headers('events')).toEqual(['Last Seen', 'Type', 'Reason', 'Object', 'Subobject*', 'Source*', 'Message', 'First Seen*', 'Count*', 'Name*']);
  });

  it('deployment, replicaset, node, service, endpoints, secret, lease and event cells', () => {
    const template = { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'a', image: 'i:1' }, { name: 'b', image: 'i:2' }] } };
    expect(cells('deployments', { spec: { replicas: 3, selector: { matchLabels: { app: 'w' } }, template }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } })).toEqual(['x', '2/3', 3, 2, '60m', 'a,b', 'i:1,i:2', 'app=w']);
    expect(cells('replicasets', { spec: { replicas: 2, selector: {}, template }, status: { replicas: 1 } })).toEqual(['x', 2, 1, 0, '60m', 'a,b', 'i:1,i:2', '<none>']);
    const node = { metadata: { name: 'n', creationTimestamp: '2026-01-01T11:00:00Z', labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '' } }, spec: { unschedulable: true } };
    expect(cells('nodes', { ...node, status: { conditions: [{ type: 'Ready', status: 'False' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], nodeInfo: { kubeletVersion: 'orch/0.1.0' } } })).toEqual([
      'n', 'NotReady,SchedulingDisabled', 'control-plane,worker', '60m', 'orch/0.1.0', '10.0.0.1', '<none>', '<unknown>', '<unknown>', '<unknown>',
    ]);
    expect(cells('services', { spec: { type: 'NodePort', clusterIP: '10.96.0.9', ports: [{ port: 80, nodePort: 30080 }, { port: 53, protocol: 'UDP' }], selector: { b: '2', a: '1' } } })).toEqual(['x', 'NodePort', '10.96.0.9', '<none>', '80:30080/TCP,53/UDP', '60m', 'a=1,b=2']);
    const addresses = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((ip) => ({ ip }));
    expect(cells('endpoints', { subsets: [{ addresses, ports: [{ port: 80 }, { port: 443 }] }] })[1]).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more...');
    expect(cells('endpoints', {})[1]).toBe('<none>');
    expect(cells('secrets', { type: 'Opaque', data: { a: 'eA==', b: 'eQ==' } })).toEqual(['x', 'Opaque', 2, '60m']);
    expect(cells('leases', { spec: { holderIdentity: 'sched-1' } })).toEqual(['x', 'sched-1', '60m']);
    const ev = { involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{a}' }, type: 'Warning', reason: 'BackOff', message: ' restarting\n', count: 3, firstTimestamp: '2026-01-01T11:00:00Z', lastTimestamp: '2026-01-01T11:59:00Z', source: { component: 'agent', host: 'n1' } };
    expect(cells('events', ev)).toEqual(['60s', 'Warning', 'BackOff', 'pod/web-1', 'spec.containers{a}', 'agent, n1', 'restarting', '60m', 3, 'x']);
  });
});
