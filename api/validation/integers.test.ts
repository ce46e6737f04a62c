// Every integer field orch validates has the Go type of the upstream field (int32 or
// int64) and Kubernetes' semantic range: a value outside either, or a non-integer, is a
// FieldValueInvalid naming the field. Regression for replicas 2^31 / 2^53+2 being stored
// (the controller then created thousands of pods).

import { describe, expect, it } from 'vitest';
import { validateObject } from './index.js';
import { intField } from './field-errors.js';
import { expectCause, res, validDeployment, validPod, validReplicaSet, type AnyObj } from '../testing/validation-fixtures.js';

const INT32_OVER = 2 ** 31;
const BEYOND_SAFE = 9007199254740994; // 2^53 + 2: representable, but not an exact int64 for orch

type Mutate = (o: AnyObj) => void;
interface Row {
  kind: string;
  make: () => AnyObj;
  field: string;
  set: (o: AnyObj, v: unknown) => void;
  /** Values that must be refused, and one that must pass (the boundary). */
  bad: unknown[];
  ok: unknown;
}

const at = (path: string): Row['set'] => (o, v) => {
  const keys = path.split('.');
  let cur: AnyObj = o;
  for (const k of keys.slice(0, -1)) cur = cur[k] ??= /^\d+$/.test(k) ? [] : {};
  cur[keys[keys.length - 1]!] = v;
};

const service = (): AnyObj => ({ metadata: { name: 'svc', namespace: 'default' }, spec: { ports: [{ port: 80, targetPort: 8080 }] } });
const lease = (): AnyObj => ({ metadata: { name: 'l', namespace: 'default' }, spec: { holderIdentity: 'a' } });
const event = (): AnyObj => ({ metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p' } });
const endpoints = (): AnyObj => ({ metadata: { name: 'svc', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] });
const node = (): AnyObj => ({ metadata: { name: 'n1' }, spec: {}, status: {} });
const podWith = (m: Mutate) => () => {
  const p = validPod();
  m(p);
  return p;
};

const ROWS: Row[] = [
  { kind: 'Deployment', make: validDeployment, field: 'spec.replicas', set: at('spec.replicas'), bad: [INT32_OVER, BEYOND_SAFE, -1, 1.5, '3', true], ok: 2 ** 31 - 1 },
  { kind: 'Deployment', make: validDeployment, field: 'spec.minReadySeconds', set: at('spec.minReadySeconds'), bad: [INT32_OVER, -1, 0.5], ok: 599 },
  { kind: 'Deployment', make: validDeployment, field: 'spec.revisionHistoryLimit', set: at('spec.revisionHistoryLimit'), bad: [INT32_OVER, -1, 2.5], ok: 0 },
  { kind: 'Deployment', make: validDeployment, field: 'spec.progressDeadlineSeconds', set: at('spec.progressDeadlineSeconds'), bad: [INT32_OVER, 0, 1.5], ok: 2 ** 31 - 1 },
  { kind: 'Deployment', make: validDeployment, field: 'spec.strategy.rollingUpdate.maxSurge', set: at('spec.strategy.rollingUpdate.maxSurge'), bad: [INT32_OVER, -1, 1.5, `${INT32_OVER}%`], ok: 2 ** 31 - 1 },
  { kind: 'Deployment', make: validDeployment, field: 'spec.rollbackTo.revision', set: at('spec.rollbackTo.revision'), bad: [BEYOND_SAFE, -1], ok: 2 ** 40 },
  { kind: 'Deployment', make: validDeployment, field: 'status.replicas', set: at('status.replicas'), bad: [INT32_OVER, -1], ok: 5 },
  { kind: 'Deployment', make: validDeployment, field: 'status.collisionCount', set: at('status.collisionCount'), bad: [INT32_OVER, -1], ok: 1 },
  { kind: 'Deployment', make: validDeployment, field: 'status.observedGeneration', set: at('status.observedGeneration'), bad: [BEYOND_SAFE, -1], ok: 2 ** 40 },
  { kind: 'ReplicaSet', make: validReplicaSet, field: 'spec.replicas', set: at('spec.replicas'), bad: [INT32_OVER, BEYOND_SAFE, -1, 1.5], ok: 0 },
  { kind: 'Pod', make: validPod, field: 'spec.terminationGracePeriodSeconds', set: at('spec.terminationGracePeriodSeconds'), bad: [BEYOND_SAFE, -1, 1.5, 1e300], ok: 1e13 },
  { kind: 'Pod', make: validPod, field: 'spec.activeDeadlineSeconds', set: at('spec.activeDeadlineSeconds'), bad: [INT32_OVER, 0, 1.5], ok: 2 ** 31 - 1 },
  { kind: 'Pod', make: validPod, field: 'spec.priority', set: at('spec.priority'), bad: [INT32_OVER, -(2 ** 31) - 1], ok: -(2 ** 31) },
  { kind: 'Pod', make: validPod, field: 'spec.tolerations[0].tolerationSeconds', set: (o, v) => (o.spec.tolerations[0].tolerationSeconds = v), bad: [BEYOND_SAFE, 1e300, 0.5], ok: -5 },
  { kind: 'Pod', make: validPod, field: 'spec.containers[0].ports[0].containerPort', set: (o, v) => (o.spec.containers[0].ports[0].containerPort = v), bad: [65536, INT32_OVER, -1, 80.5], ok: 65535 },
  { kind: 'Pod', make: validPod, field: 'spec.containers[0].ports[0].hostPort', set: (o, v) => (o.spec.containers[0].ports[0].hostPort = v), bad: [65536, -1, 1.5], ok: 65535 },
  { kind: 'Pod', make: validPod, field: 'spec.containers[0].readinessProbe.periodSeconds', set: (o, v) => (o.spec.containers[0].readinessProbe.periodSeconds = v), bad: [INT32_OVER, 0, 1.5], ok: 2 ** 31 - 1 },
  { kind: 'Pod', make: validPod, field: 'spec.containers[0].readinessProbe.initialDelaySeconds', set: (o, v) => (o.spec.containers[0].readinessProbe.initialDelaySeconds = v), bad: [INT32_OVER, -1], ok: 0 },
  { kind: 'Pod', make: podWith((p) => (p.spec.containers[0].livenessProbe = { exec: { command: ['true'] } })), field: 'spec.containers[0].livenessProbe.terminationGracePeriodSeconds', set: (o, v) => (o.spec.containers[0].livenessProbe.terminationGracePeriodSeconds = v), bad: [BEYOND_SAFE, 0], ok: 1 },
  { kind: 'Pod', make: validPod, field: 'spec.containers[0].readinessProbe.httpGet.port', set: (o, v) => (o.spec.containers[0].readinessProbe.httpGet.port = v), bad: [65536, INT32_OVER, 0, 1.5], ok: 1 },
  { kind: 'Pod', make: podWith((p) => (p.spec.containers[0].livenessProbe = { grpc: { port: 9000 } })), field: 'spec.containers[0].livenessProbe.grpc.port', set: (o, v) => (o.spec.containers[0].livenessProbe.grpc.port = v), bad: [65536, 0, '9000'], ok: 65535 },
  { kind: 'Pod', make: validPod, field: 'spec.volumes[1].configMap.defaultMode', set: (o, v) => (o.spec.volumes[1].configMap.defaultMode = v), bad: [0o1000, -1, INT32_OVER], ok: 0o777 },
  { kind: 'Pod', make: podWith((p) => (p.spec.affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: {} }] } })), field: 'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight', set: (o, v) => (o.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight = v), bad: [101, 0, INT32_OVER], ok: 100 },
  { kind: 'Pod', make: podWith((p) => (p.status = { containerStatuses: [{ name: 'web', restartCount: 0 }] })), field: 'status.containerStatuses[0].restartCount', set: (o, v) => (o.status.containerStatuses[0].restartCount = v), bad: [INT32_OVER, -1, 0.5], ok: 2 ** 31 - 1 },
  { kind: 'Pod', make: podWith((p) => (p.status = { containerStatuses: [{ name: 'web', state: { terminated: { exitCode: 0 } } }] })), field: 'status.containerStatuses[0].state.terminated.exitCode', set: (o, v) => (o.status.containerStatuses[0].state.terminated.exitCode = v), bad: [INT32_OVER, 1.5], ok: -1 },
  { kind: 'Service', make: service, field: 'spec.sessionAffinityConfig.clientIP.timeoutSeconds', set: at('spec.sessionAffinityConfig.clientIP.timeoutSeconds'), bad: [86401, 0, INT32_OVER, 1.5], ok: 86400 },
  { kind: 'Service', make: () => ({ ...service(), spec: { ...service().spec, type: 'LoadBalancer', externalTrafficPolicy: 'Local' } }), field: 'spec.healthCheckNodePort', set: at('spec.healthCheckNodePort'), bad: [65536, -1, INT32_OVER], ok: 30000 },
  { kind: 'Pod', make: validPod, field: 'spec.securityContext.runAsUser', set: at('spec.securityContext.runAsUser'), bad: [INT32_OVER, -1, BEYOND_SAFE, 0.5], ok: 2 ** 31 - 1 },
  { kind: 'Pod', make: validPod, field: 'spec.securityContext.supplementalGroups[1]', set: (o, v) => (o.spec.securityContext = { supplementalGroups: [1000, v] }), bad: [INT32_OVER, -1], ok: 0 },
  { kind: 'Pod', make: validPod, field: 'spec.containers[0].securityContext.runAsGroup', set: (o, v) => (o.spec.containers[0].securityContext = { runAsGroup: v }), bad: [INT32_OVER, -1, '1000'], ok: 1000 },
  { kind: 'Service', make: service, field: 'spec.ports[0].port', set: (o, v) => (o.spec.ports[0].port = v), bad: [65536, INT32_OVER, 1.5], ok: 65535 },
  { kind: 'Service', make: service, field: 'spec.ports[0].targetPort', set: (o, v) => (o.spec.ports[0].targetPort = v), bad: [65536, INT32_OVER, '70000'], ok: 'http' },
  { kind: 'Endpoints', make: endpoints, field: 'subsets[0].ports[0].port', set: (o, v) => (o.subsets[0].ports[0].port = v), bad: [65536, INT32_OVER, 0.5], ok: 1 },
  { kind: 'Lease', make: lease, field: 'spec.leaseDurationSeconds', set: at('spec.leaseDurationSeconds'), bad: [INT32_OVER, 0, 1.5], ok: 40 },
  { kind: 'Lease', make: lease, field: 'spec.leaseTransitions', set: at('spec.leaseTransitions'), bad: [INT32_OVER, -1], ok: 0 },
  { kind: 'Event', make: event, field: 'count', set: at('count'), bad: [INT32_OVER, -1, 2.5], ok: 2 ** 31 - 1 },
  { kind: 'Event', make: event, field: 'series.count', set: at('series.count'), bad: [INT32_OVER, -1], ok: 3 },
  { kind: 'Node', make: node, field: 'status.daemonEndpoints.kubeletEndpoint.Port', set: at('status.daemonEndpoints.kubeletEndpoint.Port'), bad: [65536, INT32_OVER, -1, 1.5], ok: 10250 },
  { kind: 'Node', make: node, field: 'status.images[0].sizeBytes', set: (o, v) => (o.status.images = [{ names: ['x'], sizeBytes: v }]), bad: [BEYOND_SAFE, -1], ok: 2 ** 40 },
];

describe('integer fields: Go type and Kubernetes range', () => {
  for (const row of ROWS) {
    describe(`${row.kind} ${row.field}`, () => {
      it(`accepts ${JSON.stringify(row.ok)}`, () => {
        const o = row.make();
        row.set(o, row.ok);
        expect(validateObject(res(row.kind), o).filter((c) => c.field === row.field)).toEqual([]);
      });
      it.each(row.bad.map((b) => [JSON.stringify(b), b]))('refuses %s', (_s, bad) => {
        const o = row.make();
        row.set(o, bad);
        expectCause(validateObject(res(row.kind), o), row.field, 'FieldValueInvalid');
      });
    });
  }
});

describe('intField messages', () => {
  const msg = (v: unknown, type: 'int32' | 'int64', bounds?: { min?: number; max?: number }) => {
    const out: { message: string }[] = [];
    intField(v, 'f', out as never, type, bounds);
    return out.map((c) => c.message);
  };
  it('names the type when its range is what was exceeded', () => {
    expect(msg(2 ** 31, 'int32', { min: 0 })).toEqual(['Invalid value: 2147483648: must be less than or equal to 2147483647 (a 32-bit integer)']);
    expect(msg(BEYOND_SAFE, 'int64')[0]).toMatch(/must be less than or equal to 9007199254740991/);
    expect(msg(-(2 ** 31) - 1, 'int32')[0]).toMatch(/greater than or equal to -2147483648 \(a 32-bit integer\)/);
  });
  it('uses the semantic bounds otherwise', () => {
    expect(msg(-1, 'int32', { min: 0 })).toEqual(['Invalid value: -1: must be greater than or equal to 0']);
    expect(msg(70000, 'int32', { min: 1, max: 65535 })).toEqual(['Invalid value: 70000: must be between 1 and 65535, inclusive']);
    expect(msg(1.5, 'int32')).toEqual(['Invalid value: 1.5: must be an integer']);
    expect(msg(Infinity, 'int64')).toEqual(['Invalid value: Infinity: must be an integer']);
    expect(msg(undefined, 'int32')).toEqual([]);
  });
});
