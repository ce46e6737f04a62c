// Which proxies count as alive: confirmed within 3 heartbeats on this agent's clock, and
// their Node not NotReady/Unknown.

import { describe, expect, it } from 'vitest';
import { ProxyReports } from './proxy-reports.js';
import { node } from './testing.js';

const T = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('proxy reports', () => {
  it('first sight: the report time at face value (capped at now); later: when this agent saw it change', () => {
    const r = new ProxyReports();
    r.update(node('fresh', { revision: '10', at: iso(T - 1000) }), T);
    r.update(node('stale', { revision: '10', at: iso(T - 30_000) }), T);
    r.update(node('future', { revision: '10', at: iso(T + 3_600_000) }), T); // a clock an hour ahead
    r.update(node('none'), T);
    expect(r.live(T)).toEqual([
      { node: 'fresh', revision: '10' },
      { node: 'future', revision: '10' },
    ]);
    // 29 s later: the fresh one is still alive, the "future" one too (capped at first sight).
    expect(r.live(T + 28_999).map((p) => p.node)).toEqual(['fresh', 'future']);
    expect(r.live(T + 30_000).map((p) => p.node)).toEqual([]);
    // A heartbeat seen now revives it, whatever its clock says.
    r.update(node('stale', { revision: '10', at: iso(T - 20_000) }), T + 40_000);
    expect(r.live(T + 40_000)).toEqual([{ node: 'stale', revision: '10' }]);
    // An update of the Node that does not touch the report (status, labels) confirms nothing.
    r.update(node('stale', { revision: '10', at: iso(T - 20_000) }), T + 69_999);
    expect(r.live(T + 70_000)).toEqual([]);
  });

  it('a NotReady or Unknown Node is not waited for; a deleted Node is gone', () => {
    const r = new ProxyReports();
    r.update(node('a', { revision: '5', at: iso(T) }, 'False'), T);
    r.update(node('b', { revision: '5', at: iso(T) }, 'Unknown'), T);
    r.update(node('c', { revision: '5', at: iso(T) }), T);
    expect(r.live(T).map((p) => p.node)).toEqual(['c']);
    r.delete(node('c'));
    expect(r.live(T)).toEqual([]);
  });
});
