import { describe, expect, it } from 'vitest';
import { validateObject, validateName } from './index.js';
import { expectCause, res, type AnyObj } from '../testing/validation-fixtures.js';

const cm = (metadata: Record<string, unknown>): AnyObj => ({ metadata: { namespace: 'default', ...metadata } as AnyObj['metadata'], data: {} });
const v = (kind: string, o: AnyObj, old?: AnyObj) => validateObject(res(kind), o, old);

describe('metadata validation', () => {
  it.each([
    ['web', true],
    ['web-1.example', true],
    ['a', true],
    ['0abc', true],
    ['a'.repeat(253), true],
    ['a'.repeat(254), false],
    ['Web', false],
    ['web_1', false],
    ['-web', false],
    ['web-', false],
    ['web..x', false],
    ['.web', false],
    ['we b', false],
    ['web/1', false],
  ])('ConfigMap name %j valid=%s', (name, ok) => {
    const out = v('ConfigMap', cm({ name }));
    if (ok) expect(out).toEqual([]);
    else expectCause(out, 'metadata.name', 'FieldValueInvalid');
  });

  it.each([
    ['default', true],
    ['kube-system', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['my.ns', false],
    ['NS', false],
  ])('Namespace name %j valid=%s (DNS-1123 label)', (name, ok) => {
    const out = v('Namespace', { metadata: { name } });
    if (ok) expect(out).toEqual([]);
    else expectCause(out, 'metadata.name', 'FieldValueInvalid');
  });

  it.each([
    ['web', true],
    ['1web', false],
    ['web.x', false],
  ])('Service name %j valid=%s (DNS-1035 label)', (name, ok) => {
    const out = v('Service', { metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
    if (ok) expect(out).toEqual([]);
    else expectCause(out, 'metadata.name', 'FieldValueInvalid', /DNS-1035/);
  });

  it('validateName is usable for URL checks', () => {
    expect(validateName(res('Pod'), 'ok-name')).toEqual([]);
    expect(validateName(res('Pod'), 'Bad')).not.toEqual([]);
  });

  it('name is required; generateName may replace it on create only', () => {
    expectCause(v('ConfigMap', cm({})), 'metadata.name', 'FieldValueRequired', /name or generateName is required/);
    expect(v('ConfigMap', cm({ generateName: 'web-' }))).toEqual([]);
    expectCause(v('ConfigMap', cm({ generateName: 'Web-' })), 'metadata.generateName', 'FieldValueInvalid');
    expectCause(v('ConfigMap', cm({ generateName: 'web-' }), cm({ name: 'web-x' })), 'metadata.name', 'FieldValueRequired');
  });

  it('namespace: required for namespaced kinds, forbidden for cluster-scoped, DNS label', () => {
    expectCause(v('ConfigMap', { metadata: { name: 'x' } }), 'metadata.namespace', 'FieldValueRequired');
    expectCause(v('ConfigMap', cm({ name: 'x', namespace: 'Bad.NS' })), 'metadata.namespace', 'FieldValueInvalid');
    expectCause(v('Node', { metadata: { name: 'n', namespace: 'default' } }), 'metadata.namespace', 'FieldValueForbidden');
  });

  it('metadata missing or wrong type', () => {
    expectCause(v('ConfigMap', { data: {} } as unknown as AnyObj), 'metadata', 'FieldValueRequired');
    expectCause(v('ConfigMap', { metadata: 'x' } as unknown as AnyObj), 'metadata', 'FieldValueInvalid');
    expectCause(v('ConfigMap', cm({ name: 5 })), 'metadata.name', 'FieldValueInvalid');
  });

  it.each<[Record<string, unknown>, boolean]>([
    [{ app: 'web' }, true],
    [{ 'example.com/app': 'web' }, true],
    [{ 'a.b-c_d': '' }, true],
    [{ app: 'A.b-c_9' }, true],
    [{ app: 'x'.repeat(63) }, true],
    [{ app: 'x'.repeat(64) }, false],
    [{ ['k'.repeat(64)]: 'v' }, false],
    [{ ['p'.repeat(254) + '/k']: 'v' }, false],
    [{ '/k': 'v' }, false],
    [{ 'Example.com/k': 'v' }, false],
    [{ 'a/b/c': 'v' }, false],
    [{ app: '-web' }, false],
    [{ app: 'web app' }, false],
    [{ app: 5 }, false],
    [{ '': 'v' }, false],
  ])('labels %j valid=%s', (labels, ok) => {
    const out = v('ConfigMap', cm({ name: 'x', labels }));
    if (ok) expect(out).toEqual([]);
    else expect(out.some((c) => c.field?.startsWith('metadata.labels'))).toBe(true);
  });

  it('labels must be a map', () => {
    expectCause(v('ConfigMap', cm({ name: 'x', labels: ['a'] })), 'metadata.labels', 'FieldValueInvalid');
  });

  it('annotations: key syntax and 256 KiB total', () => {
    expect(v('ConfigMap', cm({ name: 'x', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }))).toEqual([]);
    expectCause(v('ConfigMap', cm({ name: 'x', annotations: { 'bad key': 'v' } })), 'metadata.annotations', 'FieldValueInvalid');
    expectCause(v('ConfigMap', cm({ name: 'x', annotations: { a: 'x'.repeat(256 * 1024) } })), 'metadata.annotations', 'FieldValueTooLong');
    expect(v('ConfigMap', cm({ name: 'x', annotations: { a: 'x'.repeat(256 * 1024 - 1) } }))).toEqual([]);
  });

  it('ownerReferences and finalizers', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true };
    expect(v('ConfigMap', cm({ name: 'x', ownerReferences: [ref], finalizers: ['example.com/x'] }))).toEqual([]);
    expectCause(v('ConfigMap', cm({ name: 'x', ownerReferences: [{ ...ref, uid: '' }] })), 'metadata.ownerReferences[0].uid', 'FieldValueRequired');
    expectCause(v('ConfigMap', cm({ name: 'x', ownerReferences: [ref, { ...ref, uid: 'u2' }] })), 'metadata.ownerReferences', 'FieldValueInvalid', /Only one reference/);
    expectCause(v('ConfigMap', cm({ name: 'x', finalizers: ['a', 'a'] })), 'metadata.finalizers[1]', 'FieldValueDuplicate');
    expectCause(v('ConfigMap', cm({ name: 'x', finalizers: ['bad finalizer'] })), 'metadata.finalizers[0]', 'FieldValueInvalid');
  });

  it('update: immutable identity, omitted server fields are fine', () => {
    const old = cm({ name: 'x', uid: 'u', creationTimestamp: '2026-01-01T00:00:00Z' });
    expect(v('ConfigMap', cm({ name: 'x' }), old)).toEqual([]);
    expectCause(v('ConfigMap', cm({ name: 'x', uid: 'other' }), old), 'metadata.uid', 'FieldValueInvalid', /immutable/);
    expectCause(v('ConfigMap', cm({ name: 'y' }), old), 'metadata.name', 'FieldValueInvalid', /immutable/);
  });

  it('expectCause itself fails when the cause is absent (so these tests can fail)', () => {
    expect(() => expectCause([], 'metadata.name', 'FieldValueRequired')).toThrow(/expected FieldValueRequired at metadata.name/);
    expect(() => expectCause([{ field: 'metadata.name', reason: 'FieldValueInvalid', message: 'x' }], 'metadata.name', 'FieldValueRequired')).toThrow();
    expect(() => expectCause([{ field: 'a', reason: 'FieldValueInvalid', message: 'x' }], 'a', 'FieldValueInvalid', /y/)).toThrow();
  });

  it('a non-object body is a cause, not a crash', () => {
    expect(v('Pod', null as unknown as AnyObj)).toHaveLength(1);
    expect(v('Pod', 'x' as unknown as AnyObj)).toHaveLength(1);
  });
});
