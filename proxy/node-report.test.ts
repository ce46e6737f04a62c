// The sync report on the Node: a merge patch of two annotations, at most one write per
// interval (a burst of syncs reported once, with the latest), retried after a failure, and
// a heartbeat that confirms the revision the rules reflect when nothing changes.

import { describe, expect, it } from 'vitest';
import type { Node } from '../api/types.js';
import { FakeClient } from '../client/testing/fake-client.js';
import { silentLogger } from '../foundation/logger.js';
import { FakeClock } from '../foundation/testing/fake-clock.js';
import { NodeReport, SYNCED_AT_ANNOTATION, SYNCED_REVISION_ANNOTATION } from './node-report.js';
import { eventually } from '../test/helpers/eventually.js';

async function setup() {
  const client = new FakeClient();
  await client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {} } as Node);
  const patches: Array<{ metadata: { annotations: Record<string, string> } }> = [];
  const patch = client.nodes.patch.bind(client.nodes);
  client.nodes.patch = async (...args: Parameters<typeof patch>) => (patches.push(args[2] as (typeof patches)[number]), patch(...args));
  return { client, patches };
}

describe('node report', () => {
  it('a burst of syncs is one write with the latest revision; the next waits for the interval', async () => {
    const { client, patches } = await setup();
    const report = new NodeReport({ client, nodeName: 'n1', logger: silentLogger(), minIntervalMs: 300, heartbeatMs: 0 });
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

  it('writes at most every 200 ms by default', async () => {
    const { client, patches } = await setup();
    const clock = new FakeClock();
    const report = new NodeReport({ client, nodeName: 'n1', logger: silentLogger(), clock, heartbeatMs: 0 });
    const ac = new AbortController();
    const run = report.run(ac.signal);
    report.synced({ at: clock.now(), revision: '10' });
    await eventually('first write', () => patches.length === 1, 2000);
    report.synced({ at: clock.now(), revision: '11' });
    await clock.advance(199);
    expect(patches).toHaveLength(1);
    await clock.advance(1);
    await eventually('second write after 200 ms', () => patches.length === 2, 2000);
    ac.abort();
    await run;
  });

  it('heartbeat: without syncs, every heartbeat writes the revision the rules reflect now (or the last synced one while busy)', async () => {
    const { client, patches } = await setup();
    const clock = new FakeClock();
    let idle: string | undefined = '50';
    const report = new NodeReport({ client, nodeName: 'n1', logger: silentLogger(), clock, heartbeatMs: 10_000, idleRevision: () => idle });
    const ac = new AbortController();
    const run = report.run(ac.signal);
    // Nothing synced yet: a heartbeat has nothing to confirm.
    await clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(patches).toHaveLength(0);
    report.synced({ at: clock.now(), revision: '40' });
    await eventually('sync written', () => patches.length === 1, 2000);
    await clock.advance(200);
    await clock.advance(9_999);
    await new Promise((r) => setTimeout(r, 20));
    expect(patches).toHaveLength(1);
    await clock.advance(1);
    await eventually('heartbeat', () => patches.length === 2, 2000);
    // Idle: the caches moved on (a bookmark) and everything is programmed: that revision, now.
    expect(patches[1]!.metadata.annotations).toEqual({ [SYNCED_AT_ANNOTATION]: new Date(clock.now()).toISOString(), [SYNCED_REVISION_ANNOTATION]: '50' });
    // Busy or failing: the last synced revision, with a fresh time (the proxy is alive).
    idle = undefined;
    await clock.advance(200);
    await clock.advance(10_000);
    await eventually('second heartbeat', () => patches.length === 3, 2000);
    expect(patches[2]!.metadata.annotations[SYNCED_REVISION_ANNOTATION]).toBe('40');
    ac.abort();
    await run;
  });
});
