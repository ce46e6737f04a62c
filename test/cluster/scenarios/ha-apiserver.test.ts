// HA scenarios, apiserver side (startCluster({ ha: true }): two apiservers behind HAProxy,
// every component and agent through HAProxy). 20 informers watch the ConfigMaps a writer
// creates; "no event missed" compares the names each informer was told about with the
// writes the API acknowledged, and each informer's list count tells whether it resumed
// from its resourceVersion (1 list) or had to relist.
//   1. one apiserver SIGKILLed while the writer and watchers run: every watcher resumes
//      through the other (figure: death -> every watcher has seen a write made after it);
//   2. rolling restart of both apiservers (SIGTERM, start, wait, the other): a client that
//      retries (30 s) sees no request fail;
//   3. HAProxy restarted: the same retrying client sees no failure; watchers resume.
// The fault suite's invariants (and a Deployment converged) after each. etcd serves the
// apiservers over TLS with client certificates in this file (--etcd-cafile/-certfile/-keyfile).

import { afterEach, describe, expect, it } from 'vitest';
import type { Cluster } from '../harness.js';
import { Ledger, assertInvariants } from '../invariants.js';
import { record } from '../results.js';
import { useCluster, waitConverged, webDeployment, withLogs } from '../scenario-kit.js';
import { sleep, waitUntil } from '../sh.js';
import { Watchers, Writer } from '../ha-load.js';
import { APISERVERS } from '../ha-control-plane.js';

const SCENARIO = 'HA apiserver';
const WATCHERS = 20;

describe(SCENARIO, () => {
  let cluster!: Cluster;
  const ledger = new Ledger();
  let watchers: Watchers | undefined;
  // etcd over TLS with client certificates here (the etcd scenarios run plain http).
  useCluster({ hosts: 3, ha: true, etcdTls: true }, (c) => (cluster = c));
  afterEach(() => watchers?.stop());

  /** Every watcher saw every acknowledged write; returns the relists (lists beyond the first). */
  async function noEventMissed(w: Watchers, writer: Writer, what: string): Promise<number> {
    const waited = await w.allSaw(writer.acked, 60_000);
    record(SCENARIO, `${what}: writer stopped -> every watcher saw all ${writer.acked.length} writes`, waited);
    const relists = w.lists.reduce((s, n) => s + n - 1, 0);
    process.stdout.write(`[${SCENARIO}] ${what}: writer ${writer.summary()}; relists ${relists} (lists per watcher ${w.lists.join(',')})\n`);
    return relists;
  }

  /** ms from t0 until every watcher has seen a write acknowledged after t0. */
  async function everyWatcherResumed(w: Watchers, writer: Writer, t0: number): Promise<number> {
    await writer.resumedAfter(t0, 60_000);
    const first = writer.acked[writer.acked.length - 1];
    await waitUntil('every watcher to see a write made after the fault', () => w.missing([first]).length === 0, 60_000, 20);
    return Date.now() - t0;
  }

  it('one apiserver SIGKILL with 20 watchers and a writer: every watcher resumes, no event missed', () => withLogs(cluster, async () => {
    await cluster.client.deployments.create(webDeployment('ha-api', 3));
    await waitConverged(cluster, 'ha-api', 3, 120_000);
    watchers = new Watchers(cluster.client, WATCHERS, 'kill');
    await watchers.start();
    const writer = new Writer(cluster.client, { prefix: 'kill', ledger, retryForMs: 30_000, pauseMs: 20 });
    try {
      await sleep(2000);
      await cluster.kill('apiserver', 'SIGKILL');
      const t0 = Date.now();
      record(SCENARIO, 'apiserver SIGKILL -> first write acked', await writer.resumedAfter(t0, 60_000));
      record(SCENARIO, `apiserver SIGKILL -> all ${WATCHERS} watchers resumed`, await everyWatcherResumed(watchers, writer, t0));
      await sleep(2000);
      await cluster.start('apiserver');
      await sleep(2000);
    } finally {
      await writer.stop();
    }
    const relists = await noEventMissed(watchers, writer, 'apiserver SIGKILL');
    expect(writer.failed, 'creates that failed after 30 s of retries').toBe(0);
    expect(relists, 'watchers resumed from their resourceVersion without relisting').toBe(0);
    await waitConverged(cluster, 'ha-api', 3, 120_000);
    await assertInvariants(cluster, ledger);
  }));

  it('rolling restart of both apiservers: no request fails that the client retried', () => withLogs(cluster, async () => {
    watchers = new Watchers(cluster.client, WATCHERS, 'rolling');
    await watchers.start();
    const writer = new Writer(cluster.client, { prefix: 'rolling', ledger, retryForMs: 30_000, pauseMs: 20 });
    try {
      await sleep(2000);
      const t0 = Date.now();
      for (const a of APISERVERS) {
        await cluster.stop(a);
        await cluster.start(a);
        // HAProxy marks it up again after one passed check (1 s).
        await sleep(3000);
      }
      record(SCENARIO, 'rolling restart of both apiservers (total)', Date.now() - t0);
      await sleep(1000);
    } finally {
      await writer.stop();
    }
    const relists = await noEventMissed(watchers, writer, 'rolling restart');
    expect(writer.failed, 'creates that failed after 30 s of retries').toBe(0);
    expect(relists).toBe(0);
    await waitConverged(cluster, 'ha-api', 3, 120_000);
    await assertInvariants(cluster, ledger);
  }));

  it('HAProxy restarted: the retrying client sees no failure; watchers resume', () => withLogs(cluster, async () => {
    watchers = new Watchers(cluster.client, WATCHERS, 'lb');
    await watchers.start();
    const writer = new Writer(cluster.client, { prefix: 'lb', ledger, retryForMs: 30_000, pauseMs: 20 });
    try {
      await sleep(2000);
      await cluster.stop('haproxy');
      const t0 = Date.now();
      await cluster.start('haproxy');
      record(SCENARIO, 'HAProxy restart -> first write acked', await writer.resumedAfter(t0, 60_000));
      record(SCENARIO, `HAProxy restart -> all ${WATCHERS} watchers resumed`, await everyWatcherResumed(watchers, writer, t0));
      await sleep(1000);
    } finally {
      await writer.stop();
    }
    const relists = await noEventMissed(watchers, writer, 'HAProxy restart');
    expect(writer.failed, 'creates that failed after 30 s of retries').toBe(0);
    expect(relists).toBe(0);
    await waitConverged(cluster, 'ha-api', 3, 120_000);
    await assertInvariants(cluster, ledger);
  }));
});
