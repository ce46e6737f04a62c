// Unit tests of the graph's index and of pod-references.ts (no etcd: apply() is fed by
// hand). The list + watch and the race with a fresh binding: test/e2e/node-authorization.test.ts.

import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../api/types.js';
import { silentLogger } from '../../foundation/logger.js';
import type { Storage } from '../storage/types.js';
import { NodeGraph } from './node-graph.js';
import { podReferences } from './pod-references.js';

const pod = (name: string, nodeName: string | undefined, spec: Record<string, unknown> = {}, ns = 'default'): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { nodeName, containers: [], ...spec } }) as unknown as KubeObject;

const graph = () => new NodeGraph({} as Storage, '/registry/pods/', silentLogger());

describe('podReferences', () => {
  test('every place a pod names a Secret, ConfigMap, claim or service account', () => {
    const refs = podReferences({
      metadata: { name: 'web' },
      spec: {
        serviceAccountName: 'robot',
        imagePullSecrets: [{ name: 'pull' }],
        containers: [{ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's-env', key: 'k' } } }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'c-env', key: 'k' } } }], envFrom: [{ secretRef: { name: 's-from' } }, { configMapRef: { name: 'c-from' } }] }],
        initContainers: [{ env: [{ name: 'I', valueFrom: { secretKeyRef: { name: 's-init', key: 'k' } } }] }],
        ephemeralContainers: [{ envFrom: [{ configMapRef: { name: 'c-debug' } }] }],
        volumes: [
          { name: 'v1', secret: { secretName: 's-vol' } },
          { name: 'v2', configMap: { name: 'c-vol' } },
          { name: 'v3', projected: { sources: [{ secret: { name: 's-proj' } }, { configMap: { name: 'c-proj' } }, { serviceAccountToken: { path: 't' } }] } },
          { name: 'v4', persistentVolumeClaim: { claimName: 'data' } },
          { name: 'scratch', ephemeral: { volumeClaimTemplate: {} } },
          { name: 'v6', csi: { driver: 'x', nodePublishSecretRef: { name: 's-csi' } } },
          { name: 'v7', secret: { secretName: 's-vol' } },
        ],
      },
    });
    const got = refs.map((r) => `${r.kind}/${r.name}`).sort();
    expect(got).toEqual(
      [
        'secrets/s-env', 'configmaps/c-env', 'secrets/s-from', 'configmaps/c-from', 'secrets/s-init', 'configmaps/c-debug', 'secrets/s-vol', 'configmaps/c-vol',
        'secrets/s-proj', 'configmaps/c-proj', 'persistentvolumeclaims/data', 'persistentvolumeclaims/web-scratch', 'secrets/s-csi', 'secrets/pull', 'serviceaccounts/robot',
      ].sort(),
    );
  });

  test('odd shapes are skipped, never thrown on; no service account means default', () => {
    expect(podReferences(null)).toEqual([]);
    expect(podReferences({ spec: { containers: 'x', volumes: [null, 3, { secret: { secretName: 7 } }], imagePullSecrets: {} } })).toEqual([{ kind: 'serviceaccounts', name: 'default' }]);
  });
});

describe('NodeGraph index', () => {
  test('edges follow binding, change and deletion; shared references are counted', () => {
    const g = graph();
    const uses = (secret: string) => ({ volumes: [{ name: 'v', secret: { secretName: secret } }] });
    g.apply('default/a', pod('a', undefined, uses('s')), 5);
    expect(g.hasPath('n1', 'secrets', 'default', 's')).toBe(false);
    g.apply('default/a', pod('a', 'n1', uses('s')), 6);
    expect(g.hasPath('n1', 'secrets', 'default', 's')).toBe(true);
    expect(g.hasPath('n2', 'secrets', 'default', 's')).toBe(false);
    expect(g.hasPath('n1', 'secrets', 'other', 's')).toBe(false);
    expect(g.hasPath('n1', 'configmaps', 'default', 's')).toBe(false);
    g.apply('default/b', pod('b', 'n1', uses('s')), 7);
    g.apply('default/a', undefined, 8);
    expect(g.hasPath('n1', 'secrets', 'default', 's')).toBe(true); // b still uses it
    g.apply('default/b', pod('b', 'n1', uses('t')), 9);
    expect(g.hasPath('n1', 'secrets', 'default', 's')).toBe(false);
    expect(g.hasPath('n1', 'secrets', 'default', 't')).toBe(true);
    g.apply('default/b', undefined, 10);
    expect(g.hasPath('n1', 'secrets', 'default', 't')).toBe(false);
    expect(g.stats()).toEqual({ pods: 0, nodes: 0, revision: 10 });
  });

  test('memory follows the pods: 10,000 pods on 100 nodes, then all gone', () => {
    const g = graph();
    for (let i = 0; i < 10_000; i++) g.apply(`default/p${i}`, pod(`p${i}`, `n${i % 100}`, { volumes: [{ name: 'v', secret: { secretName: `s${i}` } }] }), i + 1);
    expect(g.stats().pods).toBe(10_000);
    expect(g.hasPath('n42', 'secrets', 'default', 's142')).toBe(true);
    expect(g.hasPath('n43', 'secrets', 'default', 's142')).toBe(false);
    for (let i = 0; i < 10_000; i++) g.apply(`default/p${i}`, undefined, 20_000 + i);
    expect(g.stats()).toMatchObject({ pods: 0, nodes: 0 });
  });
});
