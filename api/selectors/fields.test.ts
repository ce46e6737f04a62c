import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { RESOURCES } from '../resources.js';
import type { KubeObject } from '../types.js';
import { fieldSelectorRequirements, parseFieldSelector } from './fields.js';

const res = (kind: string) => RESOURCES.find((r) => r.kind === kind)!;
const pod = (name: string, nodeName?: string, phase?: string): KubeObject => ({
  metadata: { name, namespace: 'default' },
  spec: { containers: [], ...(nodeName ? { nodeName } : {}), schedulerName: 'default-scheduler' },
  status: phase ? { phase, podIP: '10.0.0.1' } : {},
});

describe('fieldSelectorRequirements', () => {
  it.each([
    ['', []],
    ['a=b', [{ field: 'a', operator: '=', value: 'b' }]],
    ['a==b', [{ field: 'a', operator: '=', value: 'b' }]],
    ['a!=b', [{ field: 'a', operator: '!=', value: 'b' }]],
    ['a=', [{ field: 'a', operator: '=', value: '' }]],
    [' a = b , c != d ', [{ field: 'a', operator: '=', value: 'b' }, { field: 'c', operator: '!=', value: 'd' }]],
    ['a=x\\,y', [{ field: 'a', operator: '=', value: 'x,y' }]],
    ['a=x\\=y\\\\', [{ field: 'a', operator: '=', value: 'x=y\\' }]],
  ])('%j', (s, want) => {
    expect(fieldSelectorRequirements(s)).toEqual(want);
  });

  it.each(['a', '=b', 'a=b,', 'a=b=c', 'a=\\x', ','])('rejects %j with 400', (s) => {
    expect(() => fieldSelectorRequirements(s)).toThrow(ApiError);
    try {
      fieldSelectorRequirements(s);
    } catch (e) {
      expect((e as ApiError).code).toBe(400);
    }
  });
});

describe('parseFieldSelector', () => {
  const pods = [pod('a', 'node-1', 'Running'), pod('b', undefined, 'Pending'), pod('c', 'node-2', 'Failed')];
  const names = (s: string) => pods.filter(parseFieldSelector(s, res('Pod'))).map((p) => p.metadata.name);

  it.each([
    ['', ['a', 'b', 'c']],
    ['metadata.name=a', ['a']],
    ['metadata.name!=a', ['b', 'c']],
    ['metadata.namespace=default', ['a', 'b', 'c']],
    ['metadata.namespace=other', []],
    ['spec.nodeName=node-1', ['a']],
    ['spec.nodeName=', ['b']],
    ['spec.nodeName!=', ['a', 'c']],
    ['status.phase=Running', ['a']],
    ['status.phase!=Failed,status.phase!=Succeeded', ['a', 'b']],
    ['spec.nodeName=node-2,status.phase=Failed', ['c']],
    ['spec.schedulerName=default-scheduler', ['a', 'b', 'c']],
    ['status.podIP=10.0.0.1', ['a', 'b', 'c']],
  ])('pods %j → %j', (s, want) => {
    expect(names(s)).toEqual(want);
  });

  it('rejects unsupported fields with 400 naming the field', () => {
    expect(() => parseFieldSelector('spec.foo=x', res('Pod'))).toThrow('field label not supported: spec.foo');
    expect(() => parseFieldSelector('spec.nodeName=x', res('ConfigMap'))).toThrow('field label not supported: spec.nodeName');
    try {
      parseFieldSelector('status.phase=x', res('Deployment'));
    } catch (e) {
      expect((e as ApiError).code).toBe(400);
    }
  });

  it('supports event fields', () => {
    const ev: KubeObject = {
      metadata: { name: 'e1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', uid: 'u1' },
      reason: 'FailedScheduling',
      type: 'Warning',
    };
    const m = (s: string) => parseFieldSelector(s, res('Event'))(ev);
    expect(m('involvedObject.name=web-1,involvedObject.kind=Pod')).toBe(true);
    expect(m('involvedObject.uid=u1,involvedObject.namespace=default')).toBe(true);
    expect(m('reason=FailedScheduling,type=Warning')).toBe(true);
    expect(m('type=Normal')).toBe(false);
  });

  it('supports node spec.unschedulable with false as the default', () => {
    const node: KubeObject = { metadata: { name: 'n1' }, spec: {} };
    expect(parseFieldSelector('spec.unschedulable=false', res('Node'))(node)).toBe(true);
    expect(parseFieldSelector('spec.unschedulable=true', res('Node'))({ ...node, spec: { unschedulable: true } })).toBe(true);
  });
});
