import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types.js';
import { prepareServiceUpdate } from './service-update.js';

const svc = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec });
const stored = svc({
  type: 'LoadBalancer',
  clusterIP: '10.96.0.9',
  clusterIPs: ['10.96.0.9'],
  ipFamilies: ['IPv4'],
  ipFamilyPolicy: 'SingleStack',
  externalTrafficPolicy: 'Local',
  healthCheckNodePort: 31000,
  ports: [
    { name: 'a', port: 80, nodePort: 30080 },
    { name: 'b', port: 81, nodePort: 30081 },
  ],
});

describe('prepareServiceUpdate', () => {
  it('carries allocated values an update leaves out: addresses, families, node ports by name, health port', () => {
    const next = svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ name: 'b', port: 8081 }, { name: 'c', port: 82 }] });
    prepareServiceUpdate(next, stored);
    expect(next.spec).toEqual({
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      clusterIP: '10.96.0.9',
      clusterIPs: ['10.96.0.9'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      healthCheckNodePort: 31000,
      ports: [{ name: 'b', port: 8081, nodePort: 30081 }, { name: 'c', port: 82 }],
    });
  });

  it('does not hand a node port to a second port when the update gives it to another explicitly', () => {
    const next = svc({ type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'x', port: 90, nodePort: 30080 }] });
    prepareServiceUpdate(next, stored);
    expect((next.spec as { ports: unknown[] }).ports).toEqual([{ name: 'a', port: 80 }, { name: 'x', port: 90, nodePort: 30080 }]);
  });

  it('drops what a type change makes meaningless when the client left it unchanged', () => {
    const toExternal = svc({ ...(stored.spec as object), type: 'ExternalName', externalName: 'example.com' });
    prepareServiceUpdate(toExternal, stored);
    const spec = toExternal.spec as Record<string, unknown>;
    for (const f of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'healthCheckNodePort', 'externalTrafficPolicy']) expect(spec[f], f).toBeUndefined();
    expect((spec.ports as { nodePort?: number }[]).map((p) => p.nodePort)).toEqual([undefined, undefined]);
  });

  it('keeps a value the client changed along with the type (validation then names it)', () => {
    const next = svc({ ...(stored.spec as object), type: 'ExternalName', externalName: 'example.com', clusterIP: '10.96.0.10' });
    prepareServiceUpdate(next, stored);
    expect((next.spec as { clusterIP?: string }).clusterIP).toBe('10.96.0.10');
  });
});
