import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types.js';
import { deepFreeze, diffList } from './informer-diff.js';

const obj = (name: string, rv: string, ns = 'default', uid = `uid-${name}`): KubeObject => ({ metadata: { name, namespace: ns, resourceVersion: rv, uid } });

describe('diffList', () => {
  it('reports added, updated (RV changed) and deleted objects; unchanged ones not at all', () => {
    const cache = new Map<string, KubeObject>([
      ['default/same', obj('same', '5')],
      ['default/changed', obj('changed', '6')],
      ['default/gone', obj('gone', '7')],
      ['other/same', obj('same', '8', 'other')],
    ]);
    const fresh = [obj('same', '5'), obj('changed', '9'), obj('new', '10'), obj('same', '8', 'other')];
    const d = diffList(cache, fresh);
    expect(d.added.map((o) => o.metadata.name)).toEqual(['new']);
    expect(d.updated.map((u) => [u.oldObj.metadata.resourceVersion, u.newObj.metadata.resourceVersion])).toEqual([['6', '9']]);
    expect(d.deleted.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['default/gone']);
  });

  it('treats an object recreated under the same name (new uid) as updated', () => {
    const cache = new Map([['default/a', obj('a', '5', 'default', 'u1')]]);
    const d = diffList(cache, [obj('a', '5', 'default', 'u2')]);
    expect(d.updated).toHaveLength(1);
  });

  it('empty cache: everything added; empty list: everything deleted', () => {
    expect(diffList(new Map(), [obj('a', '1'), obj('b', '2')]).added).toHaveLength(2);
    const cache = new Map([
      ['default/a', obj('a', '1')],
      ['default/b', obj('b', '2')],
    ]);
    const d = diffList(cache, []);
    expect(d.deleted).toHaveLength(2);
    expect(d.added).toHaveLength(0);
    expect(d.updated).toHaveLength(0);
  });

  it('keys cluster-scoped objects by name only', () => {
    const node = { metadata: { name: 'n1', resourceVersion: '3' } };
    const d = diffList(new Map([['n1', node]]), [{ metadata: { name: 'n1', resourceVersion: '3' } }]);
    expect(d).toEqual({ added: [], updated: [], deleted: [] });
  });
});

describe('deepFreeze', () => {
  it('freezes nested objects and arrays', () => {
    const o = deepFreeze({ metadata: { name: 'a', labels: { x: 'y' } }, spec: { containers: [{ name: 'c' }] } });
    expect(Object.isFrozen(o.metadata.labels)).toBe(true);
    expect(Object.isFrozen(o.spec.containers[0])).toBe(true);
    expect(() => {
      (o.metadata.labels as Record<string, string>).x = 'z';
    }).toThrow(TypeError);
  });
});
