import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults.js';
import type { StatusCause } from '../errors.js';
import { validateObject } from './index.js';
import { expectCause, res, validPod, type AnyObj } from '../testing/validation-fixtures.js';

const causes = (obj: AnyObj, old?: AnyObj): StatusCause[] => validateObject(res('Pod'), obj, old);


describe('pod validation (create)', () => {
  it('accepts a valid pod, with and without defaults applied', () => {
    expect(causes(validPod())).toEqual([]);
    const p = validPod();
    applyDefaults(res('Pod'), p);
    expect(causes(p)).toEqual([]);
  });

  type Case = [string, (p: AnyObj) => void, string, string, RegExp?];
  const C = (p: AnyObj) => p.spec.containers[0];
  it.each<Case>([
    ['missing spec', (p) => delete p.spec, 'spec', 'FieldValueRequired'],
    ['spec not an object', (p) => (p.spec = 'x'), 'spec', 'FieldValueInvalid'],
    ['no containers', (p) => (p.spec.containers = []), 'spec.containers', 'FieldValueRequired'],
    ['containers missing', (p) => delete p.spec.containers, 'spec.containers', 'FieldValueRequired'],
    ['containers not an array', (p) => (p.spec.containers = {}), 'spec.containers', 'FieldValueInvalid'],
    ['container not an object', (p) => (p.spec.containers[1] = 'x'), 'spec.containers[1]', 'FieldValueInvalid'],
    ['container name missing', (p) => delete C(p).name, 'spec.containers[0].name', 'FieldValueRequired'],
    ['container name invalid', (p) => (C(p).name = 'Web_1'), 'spec.containers[0].name', 'FieldValueInvalid', /RFC 1123 label/],
    ['container name too long', (p) => (C(p).name = 'a'.repeat(64)), 'spec.containers[0].name', 'FieldValueInvalid', /63/],
    ['duplicate container name', (p) => (p.spec.containers[1].name = 'web'), 'spec.containers[1].name', 'FieldValueDuplicate'],
    ['init/app duplicate name', (p) => (p.spec.initContainers = [{ name: 'web', image: 'x' }]), 'spec.containers[0].name', 'FieldValueDuplicate'],
    ['image missing', (p) => delete C(p).image, 'spec.containers[0].image', 'FieldValueRequired'],
    ['image blank', (p) => (C(p).image = '  '), 'spec.containers[0].image', 'FieldValueRequired'],
    ['image not string', (p) => (C(p).image = 5), 'spec.containers[0].image', 'FieldValueInvalid'],
    ['init container image missing', (p) => (p.spec.initContainers = [{ name: 'init' }]), 'spec.initContainers[0].image', 'FieldValueRequired'],
    ['stdin not a boolean', (p) => (C(p).stdin = 'yes'), 'spec.containers[0].stdin', 'FieldValueInvalid', /boolean/],
    ['tty not a boolean', (p) => (C(p).tty = 1), 'spec.containers[0].tty', 'FieldValueInvalid', /boolean/],
    ['stdinOnce not a boolean', (p) => (C(p).stdinOnce = 'true'), 'spec.containers[0].stdinOnce', 'FieldValueInvalid', /boolean/],
    ['imagePullPolicy', (p) => (C(p).imagePullPolicy = 'Sometimes'), 'spec.containers[0].imagePullPolicy', 'FieldValueNotSupported', /"Always", "IfNotPresent", "Never"/],
    ['containerPort 0', (p) => (C(p).ports[0].containerPort = 0), 'spec.containers[0].ports[0].containerPort', 'FieldValueRequired'],
    ['containerPort too big', (p) => (C(p).ports[0].containerPort = 70000), 'spec.containers[0].ports[0].containerPort', 'FieldValueInvalid', /between 1 and 65535/],
    ['containerPort negative', (p) => (C(p).ports[0].containerPort = -1), 'spec.containers[0].ports[0].containerPort', 'FieldValueInvalid'],
    ['containerPort string', (p) => (C(p).ports[0].containerPort = '80'), 'spec.containers[0].ports[0].containerPort', 'FieldValueInvalid', /integer/],
    ['hostPort too big', (p) => (C(p).ports[0].hostPort = 65536), 'spec.containers[0].ports[0].hostPort', 'FieldValueInvalid'],
    ['protocol', (p) => (C(p).ports[0].protocol = 'HTTP'), 'spec.containers[0].ports[0].protocol', 'FieldValueNotSupported'],
    ['port name invalid', (p) => (C(p).ports[0].name = 'HTTP'), 'spec.containers[0].ports[0].name', 'FieldValueInvalid'],
    ['port name too long', (p) => (C(p).ports[0].name = 'a-very-long-port-name'), 'spec.containers[0].ports[0].name', 'FieldValueInvalid', /15/],
    ['port name duplicate', (p) => C(p).ports.push({ name: 'http', containerPort: 8081 }), 'spec.containers[0].ports[1].name', 'FieldValueDuplicate'],
    [
      'host port conflict across containers',
      (p) => {
        C(p).ports[0].hostPort = 80;
        p.spec.containers[1].ports = [{ containerPort: 81, hostPort: 80 }];
      },
      'spec.containers[1].ports[0].hostPort',
      'FieldValueDuplicate',
    ],
    ['env name missing', (p) => C(p).env.push({ value: 'x' }), 'spec.containers[0].env[2].name', 'FieldValueRequired'],
    ['env name invalid', (p) => C(p).env.push({ name: '1BAD=', value: 'x' }), 'spec.containers[0].env[2].name', 'FieldValueInvalid'],
    ['env value and valueFrom', (p) => (C(p).env[1].value = 'x'), 'spec.containers[0].env[1].valueFrom', 'FieldValueInvalid', /may not be specified/],
    ['env valueFrom empty', (p) => (C(p).env[1].valueFrom = {}), 'spec.containers[0].env[1].valueFrom', 'FieldValueInvalid', /must specify one of/],
    ['env configMapKeyRef key missing', (p) => delete C(p).env[1].valueFrom.configMapKeyRef.key, 'spec.containers[0].env[1].valueFrom.configMapKeyRef.key', 'FieldValueRequired'],
    ['envFrom without source', (p) => (C(p).envFrom = [{ prefix: 'X_' }]), 'spec.containers[0].envFrom[0]', 'FieldValueInvalid'],
    ['cpu quantity', (p) => (C(p).resources.requests.cpu = 'lots'), 'spec.containers[0].resources.requests[cpu]', 'FieldValueInvalid', /quantities must match/],
    ['memory quantity', (p) => (C(p).resources.limits.memory = '1GB'), 'spec.containers[0].resources.limits[memory]', 'FieldValueInvalid'],
    ['negative quantity', (p) => (C(p).resources.limits.cpu = '-1'), 'spec.containers[0].resources.limits[cpu]', 'FieldValueInvalid', />= 0|greater than or equal to 0/],
    ['requests > limits', (p) => (C(p).resources.requests.cpu = '1'), 'spec.containers[0].resources.requests[cpu]', 'FieldValueInvalid', /less than or equal to cpu limit of 500m/],
    ['memory requests > limits', (p) => (C(p).resources.requests.memory = '1Gi'), 'spec.containers[0].resources.requests[memory]', 'FieldValueInvalid'],
    ['bad resource name', (p) => (C(p).resources.limits['bad name'] = '1'), 'spec.containers[0].resources.limits[bad name]', 'FieldValueInvalid'],
    ['volumeMount unknown volume', (p) => (C(p).volumeMounts[0].name = 'nope'), 'spec.containers[0].volumeMounts[0].name', 'FieldValueInvalid', /volume/],
    ['volumeMount path missing', (p) => delete C(p).volumeMounts[0].mountPath, 'spec.containers[0].volumeMounts[0].mountPath', 'FieldValueRequired'],
    ['volumeMount duplicate path', (p) => C(p).volumeMounts.push({ name: 'cfg', mountPath: '/data' }), 'spec.containers[0].volumeMounts[1].mountPath', 'FieldValueInvalid', /unique/],
    ['volume duplicate name', (p) => p.spec.volumes.push({ name: 'data', emptyDir: {} }), 'spec.volumes[2].name', 'FieldValueDuplicate'],
    ['volume no source', (p) => p.spec.volumes.push({ name: 'x' }), 'spec.volumes[2]', 'FieldValueRequired', /volume type/],
    ['volume two sources', (p) => (p.spec.volumes[0].hostPath = { path: '/tmp' }), 'spec.volumes[0].hostPath', 'FieldValueForbidden', /more than 1/],
    ['volume name invalid', (p) => p.spec.volumes.push({ name: 'Bad', emptyDir: {} }), 'spec.volumes[2].name', 'FieldValueInvalid'],
    ['hostPath path missing', (p) => p.spec.volumes.push({ name: 'h', hostPath: {} }), 'spec.volumes[2].hostPath.path', 'FieldValueRequired'],
    ['configMap volume name missing', (p) => delete p.spec.volumes[1].configMap.name, 'spec.volumes[1].configMap.name', 'FieldValueRequired'],
    ['secret volume name missing', (p) => p.spec.volumes.push({ name: 's', secret: {} }), 'spec.volumes[2].secret.secretName', 'FieldValueRequired'],
    ['restartPolicy', (p) => (p.spec.restartPolicy = 'Sometimes'), 'spec.restartPolicy', 'FieldValueNotSupported', /"Always", "OnFailure", "Never"/],
    ['terminationGracePeriodSeconds negative', (p) => (p.spec.terminationGracePeriodSeconds = -5), 'spec.terminationGracePeriodSeconds', 'FieldValueInvalid'],
    ['nodeSelector bad key', (p) => (p.spec.nodeSelector = { 'bad key': 'x' }), 'spec.nodeSelector', 'FieldValueInvalid'],
    ['toleration operator', (p) => (p.spec.tolerations[0].operator = 'Maybe'), 'spec.tolerations[0].operator', 'FieldValueNotSupported'],
    ['toleration effect', (p) => (p.spec.tolerations[0].effect = 'Evict'), 'spec.tolerations[0].effect', 'FieldValueNotSupported'],
    ['toleration Exists with value', (p) => (p.spec.tolerations[0].value = 'x'), 'spec.tolerations[0].operator', 'FieldValueInvalid', /value must be empty/],
    ['tolerationSeconds without NoExecute', (p) => (p.spec.tolerations[0].effect = 'NoSchedule'), 'spec.tolerations[0].effect', 'FieldValueInvalid', /NoExecute/],
    ['probe without handler', (p) => (C(p).livenessProbe = { periodSeconds: 3 }), 'spec.containers[0].livenessProbe', 'FieldValueRequired'],
    ['probe bad port', (p) => (C(p).readinessProbe.httpGet.port = 0), 'spec.containers[0].readinessProbe.httpGet.port', 'FieldValueInvalid'],
    [
      'affinity In without values',
      (p) => (p.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' }] }] } } }),
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values',
      'FieldValueRequired',
    ],
    ['status.phase', (p) => (p.status = { phase: 'Done' }), 'status.phase', 'FieldValueNotSupported'],
    ['enableServiceLinks not a boolean', (p) => (p.spec.enableServiceLinks = 'yes'), 'spec.enableServiceLinks', 'FieldValueInvalid', /must be a boolean/],
    [
      'hostNetwork hostPort must equal containerPort',
      (p) => {
        p.spec.hostNetwork = true;
        C(p).ports[0].hostPort = 80;
      },
      'spec.containers[0].ports[0].hostPort',
      'FieldValueInvalid',
      /hostNetwork/,
    ],
    ['nodeName invalid', (p) => (p.spec.nodeName = 'Node_1'), 'spec.nodeName', 'FieldValueInvalid'],
  ])('%s', (_name, mutate, field, reason, msg) => {
    const p = validPod();
    mutate(p);
    expectCause(causes(p), field, reason, msg);
  });

  it('reports every problem at once', () => {
    const p = validPod();
    delete p.spec.containers[0].image;
    p.spec.containers[1].name = 'Bad!';
    p.spec.restartPolicy = 'x';
    expect(causes(p).length).toBeGreaterThanOrEqual(3);
  });

  it('never throws on garbage', () => {
    const junk: unknown[] = [null, 1, 'x', [], {}, [null], { a: 1 }, true];
    for (const v of junk) {
      for (const path of ['spec', 'spec.containers', 'spec.volumes', 'spec.tolerations', 'spec.affinity', 'metadata', 'metadata.labels', 'status']) {
        const p = validPod();
        const keys = path.split('.');
        let cur = p as Record<string, unknown>;
        for (const k of keys.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
        cur[keys[keys.length - 1]!] = v;
        expect(() => causes(p)).not.toThrow();
      }
      const p = validPod();
      p.spec.containers[0] = { name: 'x', image: 'y', ports: v, env: v, resources: v, volumeMounts: v, readinessProbe: v, envFrom: v };
      expect(() => causes(p)).not.toThrow();
    }
  });
});

describe('pod validation (update)', () => {
  const stored = () => {
    const p = validPod();
    applyDefaults(res('Pod'), p);
    p.metadata.uid = 'uid-1';
    p.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
    return p;
  };

  it('allows changing images, activeDeadlineSeconds, adding tolerations, labels', () => {
    const old = stored();
    const p = stored();
    p.spec.containers[0].image = 'orch.local/web:v2';
    p.spec.activeDeadlineSeconds = 100;
    p.spec.tolerations.push({ key: 'x', operator: 'Exists' });
    p.metadata.labels!.extra = 'yes';
    expect(causes(p, old)).toEqual([]);
  });

  it('spec.nodeName is set only through binding: an update may neither set nor move it', () => {
    const old = stored();
    const bound = stored();
    bound.spec.nodeName = 'node-1';
    // Regression: a PATCH/PUT of spec.nodeName on a pending pod used to bypass binding.
    expectCause(causes(bound, old), 'spec', 'FieldValueForbidden', /pod updates may not change fields other than/);
    expect(validateObject(res('Pod'), bound, old, { subresource: 'binding' })).toEqual([]);
    const moved = stored();
    moved.spec.nodeName = 'node-2';
    expectCause(causes(moved, bound), 'spec.nodeName', 'FieldValueInvalid', /field is immutable/);
    expectCause(validateObject(res('Pod'), moved, bound, { subresource: 'binding' }), 'spec.nodeName', 'FieldValueInvalid', /field is immutable/);
  });

  it.each<[string, (p: AnyObj) => void]>([
    ['restartPolicy', (p) => (p.spec.restartPolicy = 'Never')],
    ['container command', (p) => (p.spec.containers[1].command = ['sh'])],
    ['add a container', (p) => p.spec.containers.push({ name: 'x', image: 'y' })],
    ['env', (p) => (p.spec.containers[0].env[0].value = 'dev')],
    ['remove a toleration', (p) => (p.spec.tolerations = [])],
    ['resources', (p) => (p.spec.containers[0].resources.limits.cpu = '1')],
    ['volumes', (p) => p.spec.volumes.push({ name: 'more', emptyDir: {} })],
  ])('forbids changing %s', (_name, mutate) => {
    const old = stored();
    const p = stored();
    mutate(p);
    expectCause(causes(p, old), 'spec', 'FieldValueForbidden', /pod updates may not change fields other than/);
  });

  it.each<[string, string, unknown]>([
    ['name', 'metadata.name', 'other'],
    ['namespace', 'metadata.namespace', 'other'],
    ['uid', 'metadata.uid', 'uid-2'],
    ['creationTimestamp', 'metadata.creationTimestamp', '2027-01-01T00:00:00Z'],
  ])('metadata.%s is immutable', (key, field, value) => {
    const old = stored();
    const p = stored();
    (p.metadata as Record<string, unknown>)[key] = value;
    expectCause(causes(p, old), field, 'FieldValueInvalid', /field is immutable/);
  });

  it('generateName is not a substitute for name on update', () => {
    const old = stored();
    const p = stored();
    delete p.metadata.name;
    p.metadata.generateName = 'web-';
    expectCause(causes(p, old), 'metadata.name', 'FieldValueRequired');
  });
});
