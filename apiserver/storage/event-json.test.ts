import { expect, test } from 'vitest';
import { watchEventJson } from './event-json.js';
import type { StorageEvent } from './types.js';

test('same text as JSON.stringify of the wire event, computed once per event and type', () => {
  const ev: StorageEvent = { type: 'MODIFIED', object: { kind: 'Pod', metadata: { name: 'a', resourceVersion: '5' } }, revision: 5 };
  const s = watchEventJson(ev);
  expect(s).toBe(JSON.stringify({ type: 'MODIFIED', object: ev.object }));
  expect(watchEventJson(ev)).toBe(s);
  expect(JSON.parse(watchEventJson(ev, 'DELETED'))).toEqual({ type: 'DELETED', object: ev.object });
});
