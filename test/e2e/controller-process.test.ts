// `orch controller-manager` as its own OS process (dist/cli/main.js, built by npm test):
// serves /healthz, survives kill -9 mid-rollout (a fresh process finishes the rollout
// with no extra pod creates), and stops cleanly on SIGTERM (exit 0). With
// --leader-elect two replicas share the work: only the lease holder acts.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Deployment, Lease, Pod, ReplicaSet } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { PodStandIn } from '../../controller/testing/pod-stand-in.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { assertBuilt, ORCH_ENTRY } from '../helpers/orch-cli.js';
import { freePort } from '../helpers/ports.js';
import { deployment, rolledOut, waitFor } from './controller-helpers.js';

describe('orch controller-manager process', () => {
  let api: TestApiServer;
  let client: ApiClient;
  let standIn: PodStandIn;
  let dir: string;
  let holdImage: string | undefined;
  const procs: ChildProcess[] = [];

  beforeEach(async () => {
    assertBuilt();
    api = await startTestApiServer();
    client = new ApiClient({ server: api.url, token: api.token });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-cm-proc-'));
    fs.writeFileSync(path.join(dir, 'token'), api.token);
    holdImage = undefined;
    standIn = new PodStandIn(client, { ready: (p) => p.spec.containers[0]!.image !== holdImage });
    await standIn.start();
  });
  afterEach(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    procs.length = 0;
    await standIn?.stop();
    await api?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = async (extra: string[] = []) => {
    const port = await freePort();
    const p = spawn(process.execPath, [ORCH_ENTRY, 'controller-manager', '--server', api.url, '--token-file', path.join(dir, 'token'), '--port', String(port), '--log-level', 'warn', ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    p.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    procs.push(p);
    // Ready: its caches synced (or, with --leader-elect, waiting as a standby).
    await waitFor('/readyz', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\noutput: ${output}`);
    });
    return { p, port, output: () => output };
  };
  const exit = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (code) => r(code))));
  const pods = async () => (await client.pods.list({ namespace: 'default', labelSelector: 'app=web' })).items;
  const get = () => client.deployments.get('web', 'default');
  /** Completed reconciles of one controller in a controller-manager process, from its /metrics. */
  const reconciles = async (port: number, controller: string) => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let n = 0;
    for (const m of text.matchAll(new RegExp(`^orch_controller_reconcile_total\\{controller="${controller}",result="[a-z]+"\\} (\\d+)$`, 'gm'))) n += Number(m[1]);
    return n;
  };

  it('kill -9 mid-rollout: a new process finishes the rollout without extra creates; SIGTERM exits 0', async () => {
    const cm = await start();
    const metrics = await (await fetch(`http://127.0.0.1:${cm.port}/metrics`)).text();
    // The standard process metrics, unprefixed (dashboards expect these names).
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(metrics).not.toContain('orch_controller_manager_process_');
    // Every controller's queue reports client-go's workqueue metrics under its name.
    for (const name of ['replicaset', 'deployment', 'nodelifecycle', 'garbagecollector']) expect(metrics).toContain(`workqueue_depth{name="${name}"}`);
    expect(metrics).toMatch(/^workqueue_adds_total\{name="nodelifecycle"\} [1-9]/m);
    const replicas = 6;
    await client.deployments.create(deployment('web', replicas, 'web:1', { strategy: { rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } } }));
    await waitFor('v1 rolled out', async () => rolledOut(await get()));

    const created = new Set<string>();
    const list = await client.pods.list({ namespace: 'default' });
    const watch = client.pods.watch({ namespace: 'default', resourceVersion: list.metadata.resourceVersion });
    const watching = (async () => {
      for await (const ev of watch) if (ev.type === 'ADDED') created.add((ev.object as Pod).metadata.name!);
    })();
    holdImage = 'web:2';
    const d: Deployment = await get();
    d.spec.template.spec.containers[0]!.image = 'web:2';
    await client.deployments.update(d);
    await waitFor('two unready new pods', async () => (await pods()).filter((p) => p.spec.containers[0]!.image === 'web:2').length === 2);
    await new Promise((r) => setTimeout(r, 500));
    cm.p.kill('SIGKILL');
    await exit(cm.p);
    const before = (await pods()).map((p) => p.metadata.name).sort();

    const cm2 = await start();
    // Once the new process has synced the Deployment and both ReplicaSets (where lost
    // expectations would create extra pods), the pod set is still exactly the same.
    await waitFor('the new process synced the Deployment and both ReplicaSets', async () => (await reconciles(cm2.port, 'deployment')) >= 1 && (await reconciles(cm2.port, 'replicaset')) >= 2);
    expect((await pods()).map((p) => p.metadata.name).sort()).toEqual(before);
    holdImage = undefined;
    standIn.resync();
    await waitFor('v2 rolled out', async () => rolledOut(await get()) && (await pods()).length === replicas && (await pods()).every((p) => p.spec.containers[0]!.image === 'web:2'), 60_000);
    watch.stop();
    await watching;
    expect(created.size).toBe(replicas);

    cm2.p.kill('SIGTERM');
    expect(await exit(cm2.p)).toBe(0);
  });

  it('--leader-elect: the standby does nothing while the leader holds the lease, and takes over when it stops', async () => {
    const a = await start(['--leader-elect', '--leader-elect-namespace', 'default']);
    await waitFor('lease held', async () => !!(await client.leases.get('orch-controller-manager', 'default')).spec.holderIdentity);
    const holder = (await client.leases.get('orch-controller-manager', 'default')).spec.holderIdentity;
    const b = await start(['--leader-elect', '--leader-elect-namespace', 'default']);
    // Record, in etcd's order (resourceVersions are revisions), every write of the Lease
    // and every ReplicaSet created from here on.
    const atStart = await client.leases.get('orch-controller-manager', 'default');
    const from = atStart.metadata.resourceVersion;
    const leaseWrites: Lease[] = [];
    const rsCreated: ReplicaSet[] = [];
    const leaseWatch = client.leases.watch({ namespace: 'default', resourceVersion: from });
    const rsWatch = client.replicasets.watch({ namespace: 'default', resourceVersion: from });
    const watching = Promise.all([
      (async () => {
        for await (const ev of leaseWatch) if (ev.type === 'MODIFIED' && ev.object.metadata.name === 'orch-controller-manager') leaseWrites.push(ev.object as Lease);
      })(),
      (async () => {
        for await (const ev of rsWatch) if (ev.type === 'ADDED') rsCreated.push(ev.object as ReplicaSet);
      })(),
    ]);
    // Freeze the leader: its lease stays valid (15 s) but nobody acts, the standby included.
    a.p.kill('SIGSTOP');
    await client.deployments.create(deployment('web', 2, 'web:1'));
    await waitFor('standby took the lease and rolled out', async () => (await client.leases.get('orch-controller-manager', 'default')).spec.holderIdentity !== holder && rolledOut(await get()), 60_000);
    await waitFor('the ReplicaSet creation seen by the watch', () => rsCreated.length > 0);
    leaseWatch.stop();
    rsWatch.stop();
    await watching;
    const rv = (o: { metadata: { resourceVersion?: string } }) => Number(o.metadata.resourceVersion);
    const takeover = leaseWrites.find((l) => l.spec.holderIdentity !== holder)!;
    const lastByLeader = leaseWrites.filter((l) => l.spec.holderIdentity === holder && rv(l) < rv(takeover)).at(-1);
    // Nothing was created before the standby held the lease...
    expect(rsCreated.map(rv).every((r) => r > rv(takeover))).toBe(true);
    // ...and it took the lease only once the frozen leader's had run out (15 s, less the
    // MicroTime rounding), not while it was still valid.
    const lastRenew = Date.parse((lastByLeader ?? atStart).spec.renewTime!);
    expect(Date.parse(takeover.spec.acquireTime!) - lastRenew).toBeGreaterThanOrEqual(14_000);
    a.p.kill('SIGKILL');
    await exit(a.p);
    b.p.kill('SIGTERM');
    expect(await exit(b.p)).toBe(0);
  }, 90_000);
});
