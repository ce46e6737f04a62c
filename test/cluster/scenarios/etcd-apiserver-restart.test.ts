// Scenario 7: etcd restarts, then the apiserver is SIGKILLed and restarted, while a
// writer creates ConfigMaps non-stop and 20 informers watch them. Every write gets an
// error or a durable result (each acknowledged one is still there afterwards); the
// informers resume or relist until their caches equal the server's list; the
// Deployment stays converged.

import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigMap } from '../../../api/types.js';
import { Informer } from '../../../client/informer.js';
import { silentLogger } from '../../../foundation/logger.js';
import type { Cluster } from '../harness.js';
import { Ledger, assertInvariants } from '../invariants.js';
import { record } from '../results.js';
import { useCluster, waitConverged, webDeployment, withLogs } from '../scenario-kit.js';
import { sleep, waitUntil } from '../sh.js';

const SCENARIO = '7 etcd + apiserver restart under load';
const WATCHERS = 20;

class Writer {
  acked = 0;
  errors = 0;
  lastAck = 0;
  private n = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly cluster: Cluster, private readonly ledger: Ledger) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const name = `load-${this.n++}`;
      try {
        const cm = await this.cluster.client.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { n: name } });
        this.ledger.ack(cm);
        this.acked++;
        this.lastAck = Date.now();
      } catch {
        // An error is an allowed answer (the write may or may not have happened); back off a little.
        this.errors++;
        await sleep(100);
      }
      await sleep(20);
    }
  }

  /** Waits for the first acknowledged write after `since`. */
  async resumedAfter(since: number, timeoutMs: number): Promise<number> {
    await waitUntil('writes to be acknowledged again', () => this.lastAck > since, timeoutMs, 50);
    return this.lastAck - since;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

describe(SCENARIO, () => {
  let cluster!: Cluster;
  const ledger = new Ledger();
  const informers: Array<Informer<ConfigMap>> = [];
  useCluster({ hosts: 3 }, (c) => (cluster = c));
  afterAll(() => {
    for (const inf of informers) inf.stop();
  });

  it('acknowledged writes survive; informers catch up; the cluster converges', () => withLogs(cluster, async () => {
    await cluster.client.deployments.create(webDeployment('api', 6));
    await waitConverged(cluster, 'api', 6, 120_000);
    for (let k = 0; k < WATCHERS; k++) {
      const inf = new Informer(cluster.client.configmaps, { logger: silentLogger() });
      inf.start();
      informers.push(inf);
    }
    await Promise.all(informers.map((inf) => inf.waitForSync()));

    const writer = new Writer(cluster, ledger);
    try {
      await sleep(3000);
      // Measured from the moment the component is gone, each down for a second so the
      // writer really meets the outage.
      await cluster.stop('etcd');
      const t0 = Date.now();
      const errorsBefore = writer.errors;
      await sleep(1000);
      await cluster.start('etcd');
      record(SCENARIO, 'etcd down 1s -> writes acked again', await writer.resumedAfter(t0, 60_000));
      expect(writer.errors, 'the writer saw the etcd outage').toBeGreaterThan(errorsBefore);
      await sleep(3000);
      await cluster.kill('apiserver', 'SIGKILL');
      const t1 = Date.now();
      const errorsBefore2 = writer.errors;
      await sleep(1000);
      await cluster.start('apiserver');
      record(SCENARIO, 'apiserver SIGKILL, 1s -> writes acked again', await writer.resumedAfter(t1, 60_000));
      expect(writer.errors, 'the writer saw the apiserver outage').toBeGreaterThan(errorsBefore2);
      await sleep(3000);
    } finally {
      await writer.stop();
    }
    process.stdout.write(`[${SCENARIO}] writer: ${writer.acked} acknowledged, ${writer.errors} errors\n`);
    expect(writer.acked).toBeGreaterThan(20);

    // Every informer must end with exactly the server's list (names and versions).
    const t2 = Date.now();
    const server = await cluster.client.configmaps.list();
    const want = new Map(server.items.map((c) => [`${c.metadata.namespace}/${c.metadata.name}`, c.metadata.resourceVersion]));
    await waitUntil('all informers to match the server list', () =>
      informers.every((inf) => {
        const have = inf.list();
        return have.length === want.size && have.every((c) => want.get(`${c.metadata.namespace}/${c.metadata.name}`) === c.metadata.resourceVersion);
      }), 90_000, 250);
    record(SCENARIO, 'load stopped -> 20 informers match the list', Date.now() - t2);

    await waitConverged(cluster, 'api', 6, 60_000);
    await assertInvariants(cluster, ledger);
    expect(ledger.size).toBe(writer.acked);
  }));
});
