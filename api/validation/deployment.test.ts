import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults.js';
import { validateObject } from './index.js';
import { expectCause, res, validDeployment, validReplicaSet, type AnyObj } from '../testing/validation-fixtures.js';

type Case = [string, (d: AnyObj) => void, string, string, RegExp?];

describe('Deployment validation', () => {
  const causes = (d: AnyObj, old?: AnyObj) => validateObject(res('Deployment'), d, old);

  it('accepts a valid deployment, with defaults applied too', () => {
    expect(causes(validDeployment())).toEqual([]);
    const d = validDeployment();
    delete d.spec.strategy;
    applyDefaults(res('Deployment'), d);
    expect(causes(d)).toEqual([]);
  });

  it.each<Case>([
    ['spec missing', (d) => delete d.spec, 'spec', 'FieldValueRequired'],
    ['replicas negative', (d) => (d.spec.replicas = -1), 'spec.replicas', 'FieldValueInvalid', /greater than or equal to 0/],
    ['replicas fractional', (d) => (d.spec.replicas = 1.5), 'spec.replicas', 'FieldValueInvalid', /integer/],
    ['replicas string', (d) => (d.spec.replicas = '3'), 'spec.replicas', 'FieldValueInvalid'],
    ['selector missing', (d) => delete d.spec.selector, 'spec.selector', 'FieldValueRequired'],
    ['selector empty', (d) => (d.spec.selector = {}), 'spec.selector', 'FieldValueInvalid', /empty selector/],
    ['selector mismatch', (d) => (d.spec.selector.matchLabels = { app: 'db' }), 'spec.template.metadata.labels', 'FieldValueInvalid', /selector does not match template labels/],
    [
      'selector expression mismatch',
      (d) => (d.spec.selector = { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }),
      'spec.template.metadata.labels',
      'FieldValueInvalid',
      /selector does not match/,
    ],
    ['selector bad operator', (d) => (d.spec.selector = { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), 'spec.selector.matchExpressions[0].operator', 'FieldValueNotSupported'],
    ['selector In without values', (d) => (d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In' }] }), 'spec.selector.matchExpressions[0].values', 'FieldValueRequired'],
    ['selector bad label value', (d) => (d.spec.selector.matchLabels = { app: '-x' }), 'spec.selector.matchLabels', 'FieldValueInvalid'],
    ['template missing', (d) => delete d.spec.template, 'spec.template', 'FieldValueRequired'],
    ['template no labels', (d) => delete d.spec.template.metadata, 'spec.template.metadata.labels', 'FieldValueInvalid', /selector does not match/],
    ['template annotation key', (d) => (d.spec.template.metadata.annotations = { 'bad key': 'x' }), 'spec.template.metadata.annotations', 'FieldValueInvalid'],
    ['template container image', (d) => delete d.spec.template.spec.containers[0].image, 'spec.template.spec.containers[0].image', 'FieldValueRequired'],
    ['template no containers', (d) => (d.spec.template.spec.containers = []), 'spec.template.spec.containers', 'FieldValueRequired'],
    ['template restartPolicy', (d) => (d.spec.template.spec.restartPolicy = 'Never'), 'spec.template.spec.restartPolicy', 'FieldValueNotSupported', /"Always"/],
    ['strategy type', (d) => (d.spec.strategy.type = 'BlueGreen'), 'spec.strategy.type', 'FieldValueNotSupported'],
    ['Recreate with rollingUpdate', (d) => (d.spec.strategy.type = 'Recreate'), 'spec.strategy.rollingUpdate', 'FieldValueForbidden'],
    ['maxSurge bad string', (d) => (d.spec.strategy.rollingUpdate.maxSurge = 'lots'), 'spec.strategy.rollingUpdate.maxSurge', 'FieldValueInvalid', /percent/],
    ['maxSurge negative', (d) => (d.spec.strategy.rollingUpdate.maxSurge = -1), 'spec.strategy.rollingUpdate.maxSurge', 'FieldValueInvalid'],
    ['maxUnavailable > 100%', (d) => (d.spec.strategy.rollingUpdate.maxUnavailable = '150%'), 'spec.strategy.rollingUpdate.maxUnavailable', 'FieldValueInvalid', /100%/],
    [
      'both zero',
      (d) => (d.spec.strategy.rollingUpdate = { maxSurge: 0, maxUnavailable: '0%' }),
      'spec.strategy.rollingUpdate.maxUnavailable',
      'FieldValueInvalid',
      /may not be 0 when `maxSurge` is 0/,
    ],
    ['revisionHistoryLimit negative', (d) => (d.spec.revisionHistoryLimit = -1), 'spec.revisionHistoryLimit', 'FieldValueInvalid'],
    ['minReadySeconds negative', (d) => (d.spec.minReadySeconds = -1), 'spec.minReadySeconds', 'FieldValueInvalid'],
    [
      'progressDeadline <= minReady',
      (d) => {
        d.spec.minReadySeconds = 600;
        d.spec.progressDeadlineSeconds = 600;
      },
      'spec.progressDeadlineSeconds',
      'FieldValueInvalid',
      /greater than minReadySeconds/,
    ],
    ['paused not boolean', (d) => (d.spec.paused = 'yes'), 'spec.paused', 'FieldValueInvalid'],
    ['status replicas negative', (d) => (d.status = { replicas: -1 }), 'status.replicas', 'FieldValueInvalid'],
  ])('%s', (_n, mutate, field, reason, msg) => {
    const d = validDeployment();
    mutate(d);
    expectCause(causes(d), field, reason, msg);
  });

  it('allows replicas 0 and percentage/int mixes', () => {
    const d = validDeployment();
    d.spec.replicas = 0;
    d.spec.strategy.rollingUpdate = { maxSurge: 0, maxUnavailable: '10%' };
    expect(causes(d)).toEqual([]);
  });

  it('selector is immutable on update; other spec changes are fine', () => {
    const old = validDeployment();
    const d = validDeployment();
    d.spec.replicas = 10;
    d.spec.template.spec.containers[0].image = 'x:2';
    expect(causes(d, old)).toEqual([]);
    d.spec.selector = { matchLabels: { app: 'web', tier: 'front' } };
    expectCause(causes(d, old), 'spec.selector', 'FieldValueInvalid', /field is immutable/);
  });
});

describe('ReplicaSet validation', () => {
  const causes = (r: AnyObj, old?: AnyObj) => validateObject(res('ReplicaSet'), r, old);
  it('accepts a valid replicaset', () => {
    expect(causes(validReplicaSet())).toEqual([]);
  });
  it.each<Case>([
    ['replicas negative', (r) => (r.spec.replicas = -2), 'spec.replicas', 'FieldValueInvalid'],
    ['selector missing', (r) => delete r.spec.selector, 'spec.selector', 'FieldValueRequired'],
    ['selector mismatch', (r) => (r.spec.selector = { matchLabels: { x: 'y' } }), 'spec.template.metadata.labels', 'FieldValueInvalid', /selector does not match/],
    ['template container name', (r) => (r.spec.template.spec.containers[0].name = ''), 'spec.template.spec.containers[0].name', 'FieldValueRequired'],
    ['activeDeadlineSeconds', (r) => (r.spec.template.spec.activeDeadlineSeconds = 5), 'spec.template.spec.activeDeadlineSeconds', 'FieldValueForbidden'],
  ])('%s', (_n, mutate, field, reason, msg) => {
    const r = validReplicaSet();
    mutate(r);
    expectCause(causes(r), field, reason, msg);
  });
  it('selector is immutable', () => {
    const r = validReplicaSet();
    r.spec.selector = { matchLabels: { tier: 'front' } };
    expectCause(causes(r, validReplicaSet()), 'spec.selector', 'FieldValueInvalid', /immutable/);
  });
});
