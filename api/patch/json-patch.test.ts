import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { applyJsonPatch, parsePointer } from './json-patch.js';
import { apiErrorOf as failure } from '../../test/helpers/api-error.js';

// RFC 6902 Appendix A examples.
describe('applyJsonPatch (RFC 6902 appendix A)', () => {
  it.each([
    ['A.1 add object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 add array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 remove object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 remove array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replace', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 move value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    ['A.7 move array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    [
      'A.8 test success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    ['A.10 add nested member', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 ignore unknown members', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escapes', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 add array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    ['copy', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: 1 }, c: { b: 1 } }],
    ['replace root', { a: 1 }, [{ op: 'replace', path: '', value: [1] }], [1]],
    ['add to root replaces it', { a: 1 }, [{ op: 'add', path: '', value: { b: 2 } }], { b: 2 }],
    ['test with key order independence', { a: { x: 1, y: 2 } }, [{ op: 'test', path: '/a', value: { y: 2, x: 1 } }], { a: { x: 1, y: 2 } }],
    ['replace array element', { a: [1, 2, 3] }, [{ op: 'replace', path: '/a/1', value: 9 }], { a: [1, 9, 3] }],
    ['slash key', { 'a/b': 1 }, [{ op: 'replace', path: '/a~1b', value: 2 }], { 'a/b': 2 }],
  ])('%s', (_name, doc, ops, want) => {
    expect(applyJsonPatch(doc, ops)).toEqual(want);
  });

  it.each([
    ['A.9 test failure', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 422, /testing value \/baz failed/],
    ['A.12 add to nonexistent target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], 422, /does not exist/],
    ['A.15 comparing strings and numbers', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }], 422, /failed/],
    ['remove missing', { a: 1 }, [{ op: 'remove', path: '/b' }], 422, /nonexistent/],
    ['replace missing', { a: 1 }, [{ op: 'replace', path: '/b', value: 1 }], 422, /does not exist/],
    ['index out of bounds', { a: [1] }, [{ op: 'add', path: '/a/5', value: 1 }], 422, /out of bounds/],
    ['bad index', { a: [1] }, [{ op: 'replace', path: '/a/x', value: 1 }], 422, /invalid array index/],
    ['leading zero index', { a: [1, 2] }, [{ op: 'remove', path: '/a/01' }], 422, /invalid array index/],
    ['move into own child', { a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }], 422, /own child/],
    ['not an array', { a: 1 }, { op: 'add' }, 400, /must be an array/],
    ['unknown op', { a: 1 }, [{ op: 'frob', path: '/a' }], 400, /unsupported op/],
    ['missing path', { a: 1 }, [{ op: 'add', value: 1 }], 400, /"path"/],
    ['missing value', { a: 1 }, [{ op: 'add', path: '/b' }], 400, /missing "value"/],
    ['missing from', { a: 1 }, [{ op: 'move', path: '/b' }], 400, /"from"/],
    ['bad pointer', { a: 1 }, [{ op: 'add', path: 'a', value: 1 }], 400, /JSON pointer/],
    ['bad escape', { a: 1 }, [{ op: 'add', path: '/a~2', value: 1 }], 400, /escape/],
    ['proto key', {}, [{ op: 'add', path: '/__proto__', value: { x: 1 } }], 400, /forbidden key/],
    ['op not object', {}, ['x'], 400, /not an object/],
  ])('%s → %d', (_name, doc, ops, code, msg) => {
    const err = failure(() => applyJsonPatch(doc, ops));
    expect(err).toBeInstanceOf(ApiError);
    expect(err?.code).toBe(code);
    expect(err?.message).toMatch(msg);
  });

  it('does not mutate the input, even when a later op fails', () => {
    const doc = { a: [1, 2], b: { c: 1 } };
    const snap = JSON.stringify(doc);
    applyJsonPatch(doc, [{ op: 'add', path: '/a/-', value: 3 }, { op: 'remove', path: '/b/c' }]);
    expect(() => applyJsonPatch(doc, [{ op: 'remove', path: '/a/0' }, { op: 'test', path: '/b/c', value: 2 }])).toThrow();
    expect(JSON.stringify(doc)).toBe(snap);
  });

  it('refuses a patch whose operations nest the document deeper than the body limit (422), step by step', () => {
    // Regression: chained adds built a 30,000-level object, and later recursion overflowed the stack (500).
    const chain = (n: number) => {
      let v: unknown = {};
      for (let i = 0; i < n; i++) v = { a: v };
      return v;
    };
    const ops: unknown[] = [{ op: 'add', path: '/x', value: chain(400) }];
    for (let i = 1; i < 60; i++) ops.push({ op: 'add', path: `/x${'/a'.repeat(390)}/b${i}`, value: chain(400) });
    const err = failure(() => applyJsonPatch({}, ops));
    expect(err?.code).toBe(422);
    expect(err?.message).toMatch(/nest more than 500 levels/);
    // The same through copy and move of a subtree into a deep path.
    const doc = { x: chain(300) };
    expect(() => applyJsonPatch(doc, [{ op: 'copy', from: '/x', path: `/x${'/a'.repeat(250)}/c` }])).toThrow(/nest more than 500/);
    expect(() => applyJsonPatch(doc, [{ op: 'add', path: '/y', value: chain(10) }, { op: 'move', from: '/x', path: `/y${'/a'.repeat(9)}/m` }])).not.toThrow();
    expect(() => applyJsonPatch({ x: chain(300), y: chain(300) }, [{ op: 'move', from: '/x', path: `/y${'/a'.repeat(299)}/m` }])).toThrow(/nest more than 500/);
  });

  it('caps the bytes copied (3 MiB, as Kubernetes) and the number of operations (10,000 → 413)', () => {
    // Each copy doubles the document: 40 copies would need 2^40 nodes.
    const ops = [{ op: 'add', path: '/a', value: ['x'.repeat(1000)] }];
    for (let i = 0; i < 40; i++) ops.push({ op: 'copy', from: '/a', path: '/a/-' } as never);
    expect(() => applyJsonPatch({}, ops)).toThrow(/copy more than 3145728 bytes/);
    const many = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '', value: {} }));
    expect(failure(() => applyJsonPatch({}, many))?.code).toBe(413);
    expect(applyJsonPatch({}, many.slice(1))).toEqual({});
  });

  it('parsePointer unescapes ~1 before ~0', () => {
    expect(parsePointer('/a~1b/c~0d/~01')).toEqual(['a/b', 'c~d', '~1']);
    expect(parsePointer('')).toEqual([]);
    expect(parsePointer('/')).toEqual(['']);
  });
});
