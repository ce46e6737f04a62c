// HA scenarios, etcd side (startCluster({ ha: true }): three members, two apiservers
// behind HAProxy). A writer creates ConfigMaps through HAProxy throughout; every write
// the API acknowledged is read back at the end of each test (the Ledger), and the fault
// suite's invariants hold after each.
//   1. the etcd leader is SIGKILLed under the write load: writes resume (figure), the
//      member rejoins; 5 informers see every acknowledged write (the apiservers' etcd
//      watches moved to a live member without a gap);
//   2. one member is partitioned for 30 s (the leader: the hardest case) and healed:
//      writes go on during the cut, the member catches up after;
//   3. quorum lost (two members killed): every request gets a 503 within the client's
//      timeout, none a false success; writes resume when quorum returns (figure).

import { describe, expect, it } from 'vitest';
import type { Cluster } from '../harness.js';
import { Ledger, assertInvariants } from '../invariants.js';
import { record } from '../results.js';
import { useCluster, waitConverged, webDeployment, withLogs } from '../scenario-kit.js';
import { sleep, waitUntil } from '../sh.js';
import { Prober, Watchers, Writer } from '../ha-load.js';
import { etcdComponent } from '../ha-control-plane.js';

const SCENARIO = 'HA etcd';

async function leaderOf(cluster: Cluster): Promise<number> {
  return waitUntil('an etcd leader', () => cluster.ha!.leader(), 30_000, 100);
}

async function allMembersHealthy(cluster: Cluster, timeoutMs = 60_000): Promise<number> {
  const t0 = Date.now();
  const ha = cluster.ha!;
  await waitUntil('every etcd member healthy', async () => (await Promise.all(ha.members.map((m) => ha.memberHealthy(m)))).every(Boolean), timeoutMs, 200);
  return Date.now() - t0;
}

describe(SCENARIO, () => {
  let cluster!: Cluster;
  const ledger = new Ledger();
  useCluster({ hosts: 3, ha: true }, (c) => (cluster = c));

  it('etcd leader SIGKILL under a write load: no acknowledged write lost', () => withLogs(cluster, async () => {
    await cluster.client.deployments.create(webDeployment('ha-web', 3));
    await waitConverged(cluster, 'ha-web', 3, 120_000);
    // Informers through the API: the apiservers' own etcd watches must move off a dead
    // member and resume from their revision, or these miss events.
    const watchers = new Watchers(cluster.client, 5, 'leader-kill');
    await watchers.start();
    const writer = new Writer(cluster.client, { prefix: 'leader-kill', ledger });
    const prober = new Prober(cluster.client, 'leader-probe', 100, 50, ledger);
    try {
      await sleep(2000);
      const leader = await leaderOf(cluster);
      await cluster.kill(etcdComponent(leader), 'SIGKILL');
      const t0 = Date.now();
      const ackedBefore = writer.acked.length;
      record(SCENARIO, `leader e${leader} SIGKILL -> first write acked (sent after)`, await prober.firstAckAfter(t0, 30_000));
      record(SCENARIO, `leader e${leader} SIGKILL -> the serial writer acked again`, await writer.resumedAfter(t0, 30_000));
      const newLeader = await leaderOf(cluster);
      expect(newLeader).not.toBe(leader);
      await sleep(2000);
      expect(writer.acked.length).toBeGreaterThan(ackedBefore);
      await cluster.start(etcdComponent(leader));
      record(SCENARIO, `e${leader} restarted -> all members healthy`, await allMembersHealthy(cluster));
      await sleep(1000);
    } finally {
      await writer.stop();
      await prober.stop();
    }
    process.stdout.write(`[${SCENARIO}] leader kill writer: ${writer.summary()}\n`);
    record(SCENARIO, `writer stopped -> 5 informers saw all ${writer.acked.length} writes`, await watchers.allSaw(writer.acked, 60_000));
    watchers.stop();
    await assertInvariants(cluster, ledger);
  }));

  it('one member partitioned 30 s and healed: writes go on, it catches up', () => withLogs(cluster, async () => {
    const watchers = new Watchers(cluster.client, 5, 'partition');
    await watchers.start();
    const writer = new Writer(cluster.client, { prefix: 'partition', ledger });
    let worstGap = 0;
    try {
      await sleep(1000);
      const cut = await leaderOf(cluster);
      await cluster.ha!.partition(cut);
      const t0 = Date.now();
      record(SCENARIO, `leader e${cut} partitioned -> first write acked`, await writer.resumedAfter(t0, 30_000));
      // The rest of the 30 s: writes keep being acknowledged (the longest pause is the figure).
      let last = writer.lastAck;
      while (Date.now() - t0 < 30_000) {
        await sleep(100);
        if (writer.lastAck !== last) last = writer.lastAck;
        worstGap = Math.max(worstGap, Date.now() - last);
      }
      record(SCENARIO, 'longest write pause in the rest of the 30 s cut', worstGap);
      await cluster.ha!.heal(cut);
      record(SCENARIO, `e${cut} healed -> all members healthy`, await allMembersHealthy(cluster));
      await sleep(1000);
    } finally {
      await writer.stop();
    }
    process.stdout.write(`[${SCENARIO}] partition writer: ${writer.summary()}\n`);
    record(SCENARIO, `writer stopped -> 5 informers saw all ${writer.acked.length} writes`, await watchers.allSaw(writer.acked, 60_000));
    watchers.stop();
    expect(worstGap, 'writes paused for more than 10 s with a majority up').toBeLessThan(10_000);
    await assertInvariants(cluster, ledger);
  }));

  it('quorum lost: 503 within the timeout, no false success; writes resume with quorum', () => withLogs(cluster, async () => {
    const leader = await leaderOf(cluster);
    const down = cluster.ha!.members.filter((m) => m !== leader).slice(0, 1).concat(leader);
    for (const m of down) await cluster.kill(etcdComponent(m), 'SIGKILL');
    const tDown = Date.now();
    // A patient client (60 s): the API must answer by itself, and with 503.
    const patient = cluster.adminClient(60_000);
    const answers: Array<{ ms: number; code: string }> = [];
    for (let k = 0; k < 5; k++) {
      const t = Date.now();
      try {
        const cm = await patient.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `no-quorum-${k}`, namespace: 'default' }, data: { k: String(k) } });
        answers.push({ ms: Date.now() - t, code: `SUCCESS ${cm.metadata.resourceVersion}` });
      } catch (err) {
        const e = err as { status?: { code?: number }; code?: string };
        answers.push({ ms: Date.now() - t, code: String(e.status?.code ?? e.code) });
      }
    }
    const read = Date.now();
    let readCode = '';
    try {
      await patient.configmaps.get('leader-kill-0', 'default');
      readCode = 'SUCCESS';
    } catch (err) {
      readCode = String((err as { status?: { code?: number } }).status?.code ?? (err as Error).message);
    }
    answers.push({ ms: Date.now() - read, code: `read ${readCode}` });
    process.stdout.write(`[${SCENARIO}] without quorum: ${JSON.stringify(answers)}\n`);
    const worst = Math.max(...answers.map((a) => a.ms));
    record(SCENARIO, 'quorum lost -> slowest answer', worst);
    expect(answers.slice(0, 5).map((a) => a.code), 'every write answered 503').toEqual(['503', '503', '503', '503', '503']);
    expect(answers[5].code).toBe('read 503');
    // etcd's own deadline is 5 s; a member without a leader answers at once ("no leader").
    expect(worst).toBeLessThan(6_000);

    const writer = new Writer(cluster.client, { prefix: 'quorum', ledger, pauseMs: 50 });
    try {
      await sleep(1000);
      for (const m of down) await cluster.start(etcdComponent(m));
      const t0 = Date.now();
      record(SCENARIO, 'quorum back -> first write acked', await writer.resumedAfter(t0, 60_000));
      await allMembersHealthy(cluster);
      await sleep(1000);
    } finally {
      await writer.stop();
    }
    process.stdout.write(`[${SCENARIO}] quorum writer: ${writer.summary()} (down ${((Date.now() - tDown) / 1000).toFixed(0)} s)\n`);
    // None of the creates sent without quorum exists: each answered 503 and was not applied.
    for (let k = 0; k < 5; k++) await expect(cluster.client.configmaps.get(`no-quorum-${k}`, 'default')).rejects.toThrow();
    await waitConverged(cluster, 'ha-web', 3, 120_000);
    await assertInvariants(cluster, ledger);
  }));
});
