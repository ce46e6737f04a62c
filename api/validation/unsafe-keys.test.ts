import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { findUnsafeKeys, MAX_JSON_DEPTH, safeJsonParse } from './unsafe-keys.js';

describe('findUnsafeKeys', () => {
  it.each([
    ['{"a":1}', []],
    ['{"__proto__":{"x":1}}', ['__proto__']],
    // Ordinary keys (the merges read own properties only): not reported.
    ['{"metadata":{"labels":{"constructor":"x"}}}', []],
    ['{"spec":{"containers":[{"name":"a"},{"prototype":1}]}}', []],
    ['{"data":{"toString":"a","hasOwnProperty":"b","valueOf":"c"}}', []],
    ['[{"__proto__":1}]', ['[0].__proto__']],
    ['{"a":{"__proto__":{"constructor":{"prototype":1}}}}', ['a.__proto__']],
    ['"__proto__"', []],
    ['{"proto":1,"Constructor":2}', []],
  ])('%s', (json, want) => {
    expect(findUnsafeKeys(JSON.parse(json))).toEqual(want);
  });

  it('handles primitives; accepts nesting up to the limit, rejects deeper with 400', () => {
    expect(findUnsafeKeys(null)).toEqual([]);
    expect(findUnsafeKeys(3)).toEqual([]);
    const nest = (n: number, inner: string) => '{"a":'.repeat(n) + inner + '}'.repeat(n);
    expect(findUnsafeKeys(JSON.parse(nest(MAX_JSON_DEPTH - 1, '{"__proto__":1}')))).toHaveLength(1);
    expect(findUnsafeKeys(JSON.parse(nest(MAX_JSON_DEPTH - 1, '[1]')))).toEqual([]);
    expect(() => findUnsafeKeys(JSON.parse(nest(MAX_JSON_DEPTH, '{}')))).toThrow(/nested too deeply/);
    expect(() => findUnsafeKeys(JSON.parse(nest(20000, '1')))).toThrow(ApiError);
  });

  it('uses the given path prefix', () => {
    expect(findUnsafeKeys(JSON.parse('{"__proto__":1}'), 'body')).toEqual(['body.__proto__']);
  });
});

describe('safeJsonParse', () => {
  it('parses ordinary JSON', () => {
    expect(safeJsonParse('{"a":[1,{"b":null}]}')).toEqual({ a: [1, { b: null }] });
  });

  it.each(['{"__proto__":{"admin":true}}', '{"a":{"__proto__":{}}}', '[{"__proto__":1}]', '{"\\u005f_proto__":{"admin":true}}', '{"a":{"\\u005f\\u005fproto__":1}}'])('rejects %s with 400', (text) => {
    let err: unknown;
    try {
      safeJsonParse(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
    expect((err as ApiError).message).toMatch(/forbidden key/);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('rejects malformed JSON with 400', () => {
    expect(() => safeJsonParse('{')).toThrow(/invalid JSON/);
    try {
      safeJsonParse('{"a":}');
    } catch (e) {
      expect((e as ApiError).code).toBe(400);
    }
  });

  it('rejects absurdly deep bodies with 400 instead of overflowing the stack later', () => {
    const text = '['.repeat(100000) + ']'.repeat(100000);
    let err: unknown;
    try {
      safeJsonParse(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
  });

  it('allows the words as values, and constructor / prototype as keys', () => {
    expect(safeJsonParse('{"a":"__proto__"}')).toEqual({ a: '__proto__' });
    const v = safeJsonParse('{"constructor":{"prototype":{"admin":true}},"construct\\u006fr":1}') as Record<string, unknown>;
    expect(Object.hasOwn(v, 'constructor')).toBe(true);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
