import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../api/types.js';
import { admitNodeWrite, isForbiddenNodeLabel } from './node-restriction.js';

const node = (labels: Record<string, string>, spec: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels }, spec }) as unknown as KubeObject;

const refusal = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return `${(err as { code?: number }).code} ${(err as Error).message}`;
  }
};

describe('NodeRestriction', () => {
  test('labels a node may set', () => {
    for (const k of ['kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'node.kubernetes.io/instance-type', 'kubelet.kubernetes.io/x', 'foo.node.kubernetes.io/y', 'example.com/tier', 'plain']) expect(isForbiddenNodeLabel(k), k).toBe(false);
    for (const k of ['node-restriction.kubernetes.io/trusted', 'a.node-restriction.kubernetes.io/x', 'node-role.kubernetes.io/control-plane', 'kubernetes.io/role', 'x.k8s.io/y']) expect(isForbiddenNodeLabel(k), k).toBe(true);
  });

  test('create: restricted labels refused; taints allowed', () => {
    expect(refusal(() => admitNodeWrite('n1', undefined, node({ 'kubernetes.io/hostname': 'n1' }, { taints: [{ key: 'a', effect: 'NoSchedule' }] })))).toBeUndefined();
    expect(refusal(() => admitNodeWrite('n1', undefined, node({ 'node-restriction.kubernetes.io/trusted': 'yes' })))).toBe(
      '403 node "n1" is not allowed to set labels: node-restriction.kubernetes.io/trusted (NodeRestriction)',
    );
  });

  test('update: restricted labels may stay, not change; taints fixed', () => {
    const admin = node({ 'node-restriction.kubernetes.io/trusted': 'yes', a: '1' }, { taints: [{ key: 't', effect: 'NoSchedule' }], podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
    const same = structuredClone(admin);
    same.metadata.labels!.a = '2';
    expect(refusal(() => admitNodeWrite('n1', admin, same))).toBeUndefined();
    const dropped = structuredClone(admin);
    delete dropped.metadata.labels!['node-restriction.kubernetes.io/trusted'];
    expect(refusal(() => admitNodeWrite('n1', admin, dropped))).toContain('not allowed to modify labels: node-restriction.kubernetes.io/trusted');
    const untainted = structuredClone(admin);
    (untainted.spec as { taints: unknown[] }).taints = [];
    expect(refusal(() => admitNodeWrite('n1', admin, untainted))).toContain('not allowed to modify taints');
    expect(refusal(() => admitNodeWrite('n1', node({}), node({}, { podCIDR: '10.244.3.0/24', podCIDRs: ['10.244.3.0/24'] })))).toBeUndefined();
  });
});
