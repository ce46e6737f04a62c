import { expect, test } from 'vitest';
import { decodeObject, encodeObject, jsonEqual, stampResourceVersion, withResourceVersion } from './codec.js';

test('encodeObject strips resourceVersion and keeps everything else in order', () => {
  const obj = { kind: 'Pod', metadata: { name: 'a', resourceVersion: '7', labels: { x: 'y' } }, spec: { z: 1 } };
  expect(encodeObject(obj)).toBe('{"kind":"Pod","metadata":{"name":"a","labels":{"x":"y"}},"spec":{"z":1}}');
  expect(obj.metadata.resourceVersion).toBe('7'); // the caller's object is untouched
});

test('decodeObject stamps the revision, also on objects without metadata', () => {
  expect(decodeObject(Buffer.from('{"metadata":{"name":"a"}}'), '12').metadata).toEqual({ name: 'a', resourceVersion: '12' });
  expect(decodeObject('{"kind":"X"}', 3).metadata).toEqual({ resourceVersion: '3' });
});

test('withResourceVersion copies metadata', () => {
  const o = { metadata: { name: 'a', resourceVersion: '1' } };
  const c = withResourceVersion(o, 5);
  expect(c.metadata.resourceVersion).toBe('5');
  expect(o.metadata.resourceVersion).toBe('1');
});

test('jsonEqual ignores key order and undefined fields, not values', () => {
  expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
  expect(jsonEqual({ a: 1, u: undefined }, { a: 1 })).toBe(true);
  expect(jsonEqual({ a: 1 }, { a: 2 })).toBe(false);
  expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  expect(jsonEqual({ a: [] }, { a: {} })).toBe(false);
  expect(jsonEqual({ a: null }, { a: {} })).toBe(false);
  expect(jsonEqual({ a: 1 }, { a: 1, b: 0 })).toBe(false);
});

test('stampResourceVersion: same bytes as decode + stringify, or undefined for the fallback', () => {
  const stamp = (text: string, rv: number) => {
    const pieces = stampResourceVersion(Buffer.from(text), rv);
    return pieces && Buffer.concat(pieces).toString('utf8');
  };
  const same = [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', labels: { 'x"}': 'y\\' } }, spec: { c: [{ n: 1 }] } },
    { spec: { template: { metadata: { name: 'inner' } }, s: 'a\\"metadata":{' }, metadata: { name: 'b' } },
    { metadata: {} },
    { n: -1.5e-7, t: true, f: false, z: null, metadata: { name: 'c', annotations: { j: '{"resourceVersion":"1"}' } } },
    // Multi-byte UTF-8 before and inside metadata: bytes >= 0x80 never look like syntax.
    { kind: 'Pod ✓', metadata: { name: 'd', annotations: { note: 'naïve 日本 🚀 "q" \\' } }, spec: { s: 'é' } },
  ];
  for (const o of same) {
    const text = JSON.stringify(o);
    expect(stamp(text, 42)).toBe(JSON.stringify(decodeObject(text, 42)));
  }
  // No metadata, metadata not an object, a resourceVersion already stored, not compact.
  for (const t of ['{"kind":"X"}', '{"metadata":null}', '{"metadata":{"resourceVersion":"1"}}', '{ "metadata": {} }', '[]', '{"a":"unterminated']) {
    expect(stamp(t, 1)).toBeUndefined();
  }
});
