// The sync report on the Node: a merge patch of two annotations, at most one write per
// interval (a burst of syncs reported once, with the latest), retried after a failure.

import { describe, expect, it } from 'vitest';
import type { Node } from '../api/types.js';
import { FakeClient } from '../client/testing/fake-client.js';
import { silentLogger } from '../foundation/logger.js';
import { maxRevision, NodeReport, SYNCED_AT_ANNOTATION, SYNCED_REVISION_ANNOTATION } from './node-report.js';
import { eventually } from '../test/helpers/eventually.js';

describe('node report', () => {
  it('a burst of syncs is one write with the latest revision; the next waits for the interval', async () => {
    const client = new FakeClient();
    await client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {} } as Node);
    const patches: unknown[] = [];
    const patch = client.nodes.patch.bind(client.nodes);
    client.nodes.patch = async (...args: Parameters<typeof patch>) => (patches.push(args[2]), patch(...args));
    const report = new NodeReport({ client, nodeName: 'n1', logger: silentLogger(), minIntervalMs: 300 });
    const ac = new AbortController();
    const run = report.run(ac.signal);
    report.synced({ at: Date.parse('2026-12-03T07:00:00.123Z'), revision: '41' });
    await eventually('first write', () => patches.length === 1, 2000);
    report.synced({ at: Date.parse('2026-12-03T07:00:00.200Z'), revision: '42' });
    report.synced({ at: Date.parse('2026-12-03T07:00:00.300Z'), revision: '45' });
    await eventually('second write', () => patches.length === 2, 2000);
    expect(patches[1]).toEqual({ metadata: { annotations: { [SYNCED_AT_ANNOTATION]: '2026-12-03T07:00:00.300Z', [SYNCED_REVISION_ANNOTATION]: '45' } } });
    expect((await client.nodes.get('n1')).metadata.annotations?.[SYNCED_REVISION_ANNOTATION]).toBe('45');
    ac.abort();
    await run;
    expect(patches).toHaveLength(2);
  });

  it('resourceVersions compare as numbers', () => {
    expect(maxRevision('9', '10')).toBe('10');
    expect(maxRevision('100', '99')).toBe('100');
    expect(maxRevision('', '7')).toBe('7');
  });
});
