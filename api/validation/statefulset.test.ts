import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults.js';
import { validateObject } from './index.js';
import { expectCause, res, validStatefulSet, type AnyObj } from '../testing/validation-fixtures.js';

type Case = [string, (d: AnyObj) => void, string, string, RegExp?];

describe('StatefulSet validation', () => {
  const causes = (d: AnyObj, old?: AnyObj) => validateObject(res('StatefulSet'), d, old);

  it('accepts a valid set (containers may mount claim templates), and its defaults', () => {
    expect(causes(validStatefulSet())).toEqual([]);
    const d = validStatefulSet();
    delete d.spec.updateStrategy;
    delete d.spec.persistentVolumeClaimRetentionPolicy;
    delete d.spec.podManagementPolicy;
    delete d.spec.replicas;
    applyDefaults(res('StatefulSet'), d);
    expect(d.spec).toMatchObject({ replicas: 1, podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' }, revisionHistoryLimit: 3 });
    expect(d.spec.volumeClaimTemplates[0].spec.volumeMode).toBe('Filesystem');
    expect(causes(d)).toEqual([]);
  });

  it.each<Case>([
    ['selector empty', (d) => (d.spec.selector = {}), 'spec.selector', 'FieldValueInvalid', /empty selector is invalid for statefulset/],
    ['policy', (d) => (d.spec.podManagementPolicy = 'Sometimes'), 'spec.podManagementPolicy', 'FieldValueNotSupported'],
    ['strategy type', (d) => (d.spec.updateStrategy = { type: 'Recreate' }), 'spec.updateStrategy.type', 'FieldValueNotSupported'],
    ['OnDelete with rollingUpdate', (d) => (d.spec.updateStrategy.type = 'OnDelete'), 'spec.updateStrategy.rollingUpdate', 'FieldValueInvalid'],
    ['partition negative', (d) => (d.spec.updateStrategy.rollingUpdate.partition = -1), 'spec.updateStrategy.rollingUpdate.partition', 'FieldValueInvalid'],
    ['maxUnavailable 0', (d) => (d.spec.updateStrategy.rollingUpdate.maxUnavailable = 0), 'spec.updateStrategy.rollingUpdate.maxUnavailable', 'FieldValueInvalid', /greater than 0/],
    ['retention', (d) => (d.spec.persistentVolumeClaimRetentionPolicy.whenDeleted = 'Keep'), 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted', 'FieldValueNotSupported'],
    ['claim access mode', (d) => (d.spec.volumeClaimTemplates[0].spec.accessModes = ['Sometimes']), 'spec.volumeClaimTemplates[0].spec.accessModes[0]', 'FieldValueNotSupported'],
    ['claim name', (d) => delete d.spec.volumeClaimTemplates[0].metadata.name, 'spec.volumeClaimTemplates[0].metadata.name', 'FieldValueRequired'],
    ['claim twice', (d) => d.spec.volumeClaimTemplates.push(d.spec.volumeClaimTemplates[0]), 'spec.volumeClaimTemplates[1].metadata.name', 'FieldValueDuplicate'],
    ['serviceName', (d) => (d.spec.serviceName = 'Not_A_Label'), 'spec.serviceName', 'FieldValueInvalid'],
    ['restartPolicy', (d) => (d.spec.template.spec.restartPolicy = 'Never'), 'spec.template.spec.restartPolicy', 'FieldValueNotSupported'],
    ['mount of nothing', (d) => (d.spec.template.spec.containers[0].volumeMounts = [{ name: 'nope', mountPath: '/x' }]), 'spec.template.spec.containers[0].volumeMounts[0].name', 'FieldValueInvalid'],
    ['status over replicas', (d) => (d.status.readyReplicas = 4), 'status.readyReplicas', 'FieldValueInvalid'],
  ])('%s → %s', (_n, mutate, field, reason, msg) => {
    const d = validStatefulSet();
    mutate(d);
    expectCause(causes(d), field, reason, msg);
  });

  it.each([
    ['volumeClaimTemplates', (d: AnyObj) => (d.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '2Gi')],
    ['serviceName', (d: AnyObj) => (d.spec.serviceName = 'other')],
    ['podManagementPolicy', (d: AnyObj) => (d.spec.podManagementPolicy = 'Parallel')],
    ['selector', (d: AnyObj) => (d.spec.selector = { matchLabels: { ...d.spec.selector.matchLabels, x: 'y' } })],
  ])('a change of spec.%s is a 422 naming it', (field, mutate) => {
    const old = validStatefulSet();
    const d = validStatefulSet();
    mutate(d);
    d.spec.template.metadata.labels.x = 'y';
    expectCause(causes(d, old), `spec.${field}`, 'FieldValueForbidden', /updates to statefulset spec for fields other than/);
  });

  it('replicas, template, updateStrategy, retention, minReadySeconds and history may change', () => {
    const old = validStatefulSet();
    const d = validStatefulSet();
    d.spec.replicas = 5;
    d.spec.template.spec.containers[0].image = 'other';
    d.spec.updateStrategy = { type: 'OnDelete' };
    d.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Retain' };
    d.spec.minReadySeconds = 0;
    d.spec.revisionHistoryLimit = 1;
    expect(causes(d, old)).toEqual([]);
  });
});
