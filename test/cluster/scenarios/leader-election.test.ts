// Scenario 6: two controller managers and two schedulers with leader election. Both
// leaders are frozen (SIGSTOP) for 30 s while the cluster has work to do: the standbys
// take over and do it. On SIGCONT the old leaders find their lease gone and step down
// (the process exits, as Kubernetes components do); nothing is duplicated.

import { describe, expect, it } from 'vitest';
import { type Cluster, type Component } from '../harness.js';
import { DuplicateMonitor, Ledger, assertInvariants } from '../invariants.js';
import { record } from '../results.js';
import { rollout, steadyWorkload, useCluster, waitConverged, withLogs } from '../scenario-kit.js';
import { sleep, waitUntil } from '../sh.js';

const SCENARIO = '6 leader SIGSTOP 30s';
const LEASES = { 'controller-manager': 'orch-controller-manager', scheduler: 'orch-scheduler' } as const;

describe(SCENARIO, () => {
  let cluster!: Cluster;
  const ledger = new Ledger();
  useCluster({ hosts: 3, controlPlaneReplicas: 2 }, (c) => (cluster = c));

  const holder = async (lease: string): Promise<string | undefined> => {
    try {
      return (await cluster.client.leases.get(lease, 'kube-system')).spec?.holderIdentity ?? undefined;
    } catch {
      return undefined;
    }
  };

  it('standbys take over from frozen leaders; the old leaders step down', () => withLogs(cluster, async () => {
    await steadyWorkload(cluster, ledger, 'le', 6);

    const leaders = {} as Record<keyof typeof LEASES, Component>;
    for (const kind of Object.keys(LEASES) as Array<keyof typeof LEASES>) {
      const id = await waitUntil(`a ${kind} leader`, () => holder(LEASES[kind]), 30_000);
      expect([kind, `${kind}-2`]).toContain(id);
      leaders[kind] = id as Component;
    }
    const standby = (kind: keyof typeof LEASES) => (leaders[kind] === kind ? `${kind}-2` : kind);

    const monitor = new DuplicateMonitor(cluster);
    monitor.start();
    const t0 = Date.now();
    cluster.pause(leaders['controller-manager']);
    cluster.pause(leaders.scheduler);
    // Work only the new leaders can do: a scale-up (controller manager + scheduler) and a rollout.
    await cluster.client.deployments.patch('le', 'default', { spec: { replicas: 9 } }, 'merge');
    await rollout(cluster, 'le', '2');
    for (const kind of Object.keys(LEASES) as Array<keyof typeof LEASES>) {
      await waitUntil(`the standby ${kind} to take the lease`, async () => (await holder(LEASES[kind])) === standby(kind), 60_000);
      record(SCENARIO, `${kind} standby took the lease`, Date.now() - t0);
    }
    const ms = await waitConverged(cluster, 'le', 9, 120_000, { revision: '2' }, t0);
    record(SCENARIO, 'leaders frozen -> 9 pods at rev 2', ms);
    const frozenFor = Date.now() - t0;
    if (frozenFor < 30_000) await sleep(30_000 - frozenFor);

    const t1 = Date.now();
    cluster.resume(leaders['controller-manager']);
    cluster.resume(leaders.scheduler);
    // The old leaders notice the lost lease and exit; the new ones keep it.
    for (const kind of Object.keys(LEASES) as Array<keyof typeof LEASES>) {
      await waitUntil(`the old ${kind} leader to step down (exit)`, () => cluster.pid(leaders[kind]) === undefined, 60_000);
    }
    record(SCENARIO, 'SIGCONT -> old leaders exited', Date.now() - t1);
    for (const kind of Object.keys(LEASES) as Array<keyof typeof LEASES>) {
      expect(await holder(LEASES[kind])).toBe(standby(kind));
      await cluster.start(leaders[kind]); // a supervisor restarts it: it must come back as a standby
    }
    await rollout(cluster, 'le', '3');
    await waitConverged(cluster, 'le', 9, 120_000, { revision: '3' });
    for (const kind of Object.keys(LEASES) as Array<keyof typeof LEASES>) expect(await holder(LEASES[kind])).toBe(standby(kind));
    expect(await monitor.stop()).toEqual([]);
    await assertInvariants(cluster, ledger);
  }));
});
