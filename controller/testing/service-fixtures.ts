// Services and pods for the endpoint controllers' unit tests (a pod with status as the
// agent reports it: IPs, Ready condition, named container ports). Used only by tests.

import type { Pod, PodPhase, Service } from '../../api/types.js';

export const svcOf = (spec: Partial<Service['spec']> = {}, name = 'web'): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', uid: `svc-${name}` },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], clusterIP: '10.96.0.10', ...spec },
});

export const podOf = (name: string, o: { ip?: string | string[]; ready?: boolean; port?: number; node?: string; deleting?: boolean; phase?: PodPhase; labels?: Record<string, string> } = {}): Pod => {
  const ips = o.ip === undefined ? [`10.244.0.${name.replace(/\D/g, '') || '1'}`] : Array.isArray(o.ip) ? o.ip : [o.ip];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: o.labels ?? { app: 'web' }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: o.node ?? 'node-1', containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: o.port ?? 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] }] },
    status: {
      phase: (o.phase ?? 'Running') as PodPhase,
      podIP: ips[0],
      podIPs: ips.map((ip) => ({ ip })),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
};
