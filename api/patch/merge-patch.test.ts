import { describe, expect, it } from 'vitest';
import { applyMergePatch } from './merge-patch.js';

// RFC 7386 Appendix A test cases.
describe('applyMergePatch (RFC 7386 appendix A)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j', (target, patch, want) => {
    expect(applyMergePatch(target, patch)).toEqual(want);
  });
});

describe('applyMergePatch on objects', () => {
  it('merges nested maps and replaces arrays', () => {
    const obj = { metadata: { labels: { a: '1', b: '2' } }, spec: { replicas: 1, containers: [{ name: 'a' }, { name: 'b' }] } };
    expect(applyMergePatch(obj, { metadata: { labels: { b: null, c: '3' } }, spec: { replicas: 3, containers: [{ name: 'x' }] } })).toEqual({
      metadata: { labels: { a: '1', c: '3' } },
      spec: { replicas: 3, containers: [{ name: 'x' }] },
    });
  });

  it('never mutates its inputs and shares no data with them', () => {
    const target = { a: { b: 1 }, keep: { deep: [1, 2] } };
    const patch = { a: { c: { d: 1 } } };
    const snapT = JSON.stringify(target);
    const snapP = JSON.stringify(patch);
    const out = applyMergePatch(target, patch) as { a: { c: { d: number } }; keep: { deep: number[] } };
    expect(JSON.stringify(target)).toBe(snapT);
    expect(JSON.stringify(patch)).toBe(snapP);
    out.keep.deep.push(3);
    out.a.c.d = 2;
    expect(target.keep.deep).toEqual([1, 2]);
    expect(patch.a.c.d).toBe(1);
  });
});
