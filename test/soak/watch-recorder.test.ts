import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types.js';
import { RvOrder } from './watch-recorder.js';

const obj = (uid: string, rv: number): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: uid, namespace: 'ns', uid, resourceVersion: String(rv) } });

describe('RvOrder', () => {
  it('accepts increasing versions per object and per stream', () => {
    const o = new RvOrder('pods');
    o.newStream(10n);
    o.event('ADDED', obj('a', 11));
    o.event('ADDED', obj('b', 12));
    o.event('MODIFIED', obj('a', 13));
    o.event('DELETED', obj('b', 14));
    o.newStream(14n);
    o.listed(obj('a', 13));
    expect(o.violations).toEqual([]);
    expect(o.checks).toBe(5);
  });

  it('reports an event older than one seen for the same object, and a stream going back', () => {
    const o = new RvOrder('pods');
    o.newStream(10n);
    o.event('MODIFIED', obj('a', 20));
    o.newStream(15n); // a reconnect from an older version replays: the same event again
    o.event('MODIFIED', obj('a', 20));
    expect(o.violations).toEqual(['pods ns/a (uid a): MODIFIED event at rv 20 after rv 20 was seen']);
    o.event('ADDED', obj('b', 18));
    expect(o.violations[1]).toBe('pods watch stream out of order: ADDED ns/b at rv 18 after an event at rv 20');
  });

  it('reports a list that shows an object older than its last event', () => {
    const o = new RvOrder('deployments');
    o.newStream(1n);
    o.event('MODIFIED', obj('a', 30));
    o.listed(obj('a', 29));
    expect(o.violations).toEqual(['deployments ns/a (uid a): a list shows rv 29 after an event at rv 30']);
  });
});
