import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../api/types.js';
import type { StorageEvent } from './storage/types.js';
import { filterEvent } from './watch.js';

const obj = (app: string): KubeObject => ({ metadata: { name: 'x', labels: { app } } });
const isWeb = (o: KubeObject) => o.metadata.labels?.app === 'web';
const ev = (type: StorageEvent['type'], now: string, prev?: string): StorageEvent => ({ type, object: obj(now), prevObject: prev ? obj(prev) : undefined, revision: 1 });

describe('filterEvent (per-watcher selector transitions)', () => {
  test('without a predicate everything passes unchanged', () => {
    expect(filterEvent(ev('MODIFIED', 'db', 'web'))).toBe('MODIFIED');
  });
  test('ADDED only when matching', () => {
    expect(filterEvent(ev('ADDED', 'web'), isWeb)).toBe('ADDED');
    expect(filterEvent(ev('ADDED', 'db'), isWeb)).toBeUndefined();
  });
  test('MODIFIED: both match → MODIFIED; starts → ADDED; stops → DELETED; neither → nothing', () => {
    expect(filterEvent(ev('MODIFIED', 'web', 'web'), isWeb)).toBe('MODIFIED');
    expect(filterEvent(ev('MODIFIED', 'web', 'db'), isWeb)).toBe('ADDED');
    expect(filterEvent(ev('MODIFIED', 'db', 'web'), isWeb)).toBe('DELETED');
    expect(filterEvent(ev('MODIFIED', 'db', 'db'), isWeb)).toBeUndefined();
  });
  test('DELETED when the last state matched', () => {
    expect(filterEvent(ev('DELETED', 'web', 'web'), isWeb)).toBe('DELETED');
    expect(filterEvent(ev('DELETED', 'web'), isWeb)).toBe('DELETED');
    expect(filterEvent(ev('DELETED', 'db', 'db'), isWeb)).toBeUndefined();
  });
  test('a throwing predicate counts as no match', () => {
    expect(filterEvent(ev('ADDED', 'web'), () => { throw new Error('x'); })).toBeUndefined();
  });
});
