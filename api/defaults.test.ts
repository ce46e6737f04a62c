import { describe, expect, it } from 'vitest';
import { applyDefaults, defaultPullPolicy } from './defaults.js';
import { RESOURCES } from './resources.js';
import type { Deployment, KubeObject, Pod, ReplicaSet, Secret, Service } from './types.js';

const res = (kind: string) => RESOURCES.find((r) => r.kind === kind)!;

describe('defaultPullPolicy (Kubernetes rule)', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['orch.local/web:latest', 'Always'],
    ['orch.local/busybox', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['localhost:5000/app', 'Always'],
    ['localhost:5000/app:v1', 'IfNotPresent'],
    ['app@sha256:abc', 'IfNotPresent'],
  ])('%s → %s', (image, want) => {
    expect(defaultPullPolicy(image)).toBe(want);
  });
});

describe('applyDefaults', () => {
  it('Pod', () => {
    const pod: Pod = {
      metadata: { name: 'p' },
      spec: {
        containers: [
          { name: 'a', image: 'x:1', ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }], resources: { limits: { cpu: '1' } } },
          { name: 'b', image: 'y', imagePullPolicy: 'Never' },
        ],
        initContainers: [{ name: 'i', image: 'z:2' }],
      },
    };
    applyDefaults(res('Pod'), pod);
    expect(pod.spec.restartPolicy).toBe('Always');
    expect(pod.spec.terminationGracePeriodSeconds).toBe(30);
    expect(pod.spec.schedulerName).toBe('default-scheduler');
    const [a, b] = pod.spec.containers;
    expect(a!.imagePullPolicy).toBe('IfNotPresent');
    expect(a!.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }]);
    expect(a!.terminationMessagePath).toBe('/dev/termination-log');
    expect(a!.resources!.requests).toEqual({ cpu: '1' });
    expect(b!.imagePullPolicy).toBe('Never');
    expect(pod.spec.initContainers![0]!.imagePullPolicy).toBe('IfNotPresent');
  });

  it('never overwrites set values and is idempotent', () => {
    const pod: Pod = { metadata: { name: 'p' }, spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'a', image: 'x' }] } };
    applyDefaults(res('Pod'), pod);
    const once = JSON.stringify(pod);
    applyDefaults(res('Pod'), pod);
    expect(JSON.stringify(pod)).toBe(once);
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.terminationGracePeriodSeconds).toBe(0);
  });

  it('Deployment', () => {
    const d = { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'a', image: 'x:1' }] } } } } as Deployment;
    applyDefaults(res('Deployment'), d);
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    expect(d.spec.minReadySeconds).toBe(0);
    expect(d.spec.template.spec.restartPolicy).toBe('Always');
    expect(d.spec.template.spec.containers[0]!.imagePullPolicy).toBe('IfNotPresent');
  });

  it('Deployment with Recreate gets no rollingUpdate', () => {
    const d = { metadata: { name: 'd' }, spec: { strategy: { type: 'Recreate' }, replicas: 0, template: { spec: { containers: [] } } } } as unknown as Deployment;
    applyDefaults(res('Deployment'), d);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.spec.replicas).toBe(0);
  });

  it('ReplicaSet', () => {
    const rs = { metadata: { name: 'r' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } } as unknown as ReplicaSet;
    applyDefaults(res('ReplicaSet'), rs);
    expect(rs.spec.replicas).toBe(1);
    expect(rs.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
  });

  it('Service', () => {
    const s = { metadata: { name: 's' }, spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }] } } as Service;
    applyDefaults(res('Service'), s);
    expect(s.spec.type).toBe('ClusterIP');
    expect(s.spec.ports).toEqual([
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 53, protocol: 'UDP', targetPort: 'dns' },
    ]);
  });

  it('Secret: type Opaque, stringData folded into data as base64 and removed', () => {
    const s: Secret = { metadata: { name: 's' }, data: { a: 'b2xk', keep: 'eA==' }, stringData: { a: 'new', pw: 'hunter2' } };
    applyDefaults(res('Secret'), s);
    expect(s.type).toBe('Opaque');
    expect(s.stringData).toBeUndefined();
    expect(s.data).toEqual({ a: Buffer.from('new').toString('base64'), keep: 'eA==', pw: Buffer.from('hunter2').toString('base64') });
  });

  it('Namespace gets phase Active and no finalizers', () => {
    const ns: KubeObject = { metadata: { name: 'n' } };
    applyDefaults(res('Namespace'), ns);
    expect(ns.status).toEqual({ phase: 'Active' });
    expect(ns.spec).toBeUndefined();
  });

  it('tolerates malformed objects without throwing (validation reports them)', () => {
    for (const kind of ['Pod', 'Deployment', 'ReplicaSet', 'Service', 'Secret', 'Namespace', 'Event', 'Lease', 'Node', 'ConfigMap']) {
      for (const spec of [undefined, null, 'x', 5, [], { containers: 'x', template: 'y', ports: 'z', strategy: 'q' }, { containers: [null, 'x'] }]) {
        expect(() => applyDefaults(res(kind), { metadata: { name: 'x' }, spec, stringData: 'x' } as KubeObject)).not.toThrow();
      }
    }
  });
});
