// Scenario 16: a pod's image lives on a registry whose name does not resolve — the DNS
// server does not answer (the harness hosts' DNS queries are dropped where they leave the
// harness, so the engine's lookup hangs until its resolver gives up; a drop inside the
// host's own namespace would fail the send at once instead). Docker 20.10 holds `docker info` for as long as that
// lookup takes; an agent whose Lease waited for `docker info` let the node go Unknown and
// every pod of the node be evicted (found by bench/network on 12-04: its pods vanished).
// With the default node timings: the node stays Ready, its Lease keeps being renewed, the
// pod next to it keeps running, and the unpullable pod says why it waits.

import { describe, expect, it } from 'vitest';
import type { Lease, Node, Pod } from '../../../api/types.js';
import { docker } from '../docker-engine.js';
import type { Cluster } from '../harness.js';
import { ROOT_VETH } from '../network.js';
import { record } from '../results.js';
import { withLogs, useCluster } from '../scenario-kit.js';
import { run, waitUntil } from '../sh.js';

const SCENARIO = '16 registry DNS does not answer';
const IMAGE = 'registry.orch-test.invalid/app:1';
const WATCH_MS = 40_000;

const pod = (name: string, image: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName: 'h1', terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
});

// In the root namespace, on the harness's leg into it: only the harness hosts' queries.
const dnsDrop = (op: '-I' | '-D') => ['iptables', '-w', op, 'FORWARD', '-i', ROOT_VETH, '-p', 'udp', '--dport', '53', '-j', 'DROP'];

describe(SCENARIO, () => {
  let cluster!: Cluster;
  useCluster({ hosts: 1, defaultNodeTimings: true }, (c) => (cluster = c));

  it('the node stays Ready and keeps its pods while a pull waits on DNS', () => withLogs(cluster, async () => {
    await cluster.client.pods.create(pod('bystander', 'orch.local/busybox:latest'));
    await waitUntil('bystander Running', async () => (await cluster.client.pods.get('bystander', 'default')).status?.phase === 'Running', 60_000);
    const [cmd, ...args] = dnsDrop('-I');
    await run(cmd!, args);
    try {
      await cluster.client.pods.create(pod('unpullable', IMAGE));
      const waiting = async () => (await cluster.client.pods.get('unpullable', 'default')).status?.containerStatuses?.[0]?.state?.waiting;
      await waitUntil(`the agent pulling ${IMAGE}`, async () => (await waiting())?.message?.includes('pulling image'), 30_000, 200);
      await new Promise((r) => setTimeout(r, 1000));
      // The engine's own state during the window: docker info held by the pull's lookup.
      const infoAt = Date.now();
      const info = docker(1, ['info', '--format', '{{.ServerVersion}}'], 120_000).then(() => Date.now() - infoAt);
      const t0 = Date.now();
      let lastRenew = Date.now();
      let longestGap = 0;
      while (Date.now() - t0 < WATCH_MS) {
        const node = await cluster.client.nodes.get('h1');
        const ready = (node as Node).status?.conditions?.find((c) => c.type === 'Ready');
        expect(ready, `Node h1 Ready after ${Date.now() - t0} ms`).toMatchObject({ status: 'True' });
        const lease = await cluster.client.leases.get('h1', 'kube-node-lease');
        const renewed = Date.parse((lease as Lease).spec.renewTime!);
        if (renewed > lastRenew) lastRenew = renewed;
        longestGap = Math.max(longestGap, Date.now() - lastRenew);
        const pods = (await cluster.client.pods.list({ namespace: 'default' })).items.map((p) => p.metadata.name);
        expect(pods, 'no pod evicted').toEqual(expect.arrayContaining(['bystander', 'unpullable']));
        await new Promise((r) => setTimeout(r, 1000));
      }
      const infoMs = await info;
      record(SCENARIO, 'docker info during the pull', infoMs);
      record(SCENARIO, 'longest time without a lease renewal', longestGap);
      // Without this the scenario proved nothing: the engine really was held.
      expect(infoMs, 'docker info was held by the hanging lookup (the condition under test)').toBeGreaterThan(5000);
      expect(longestGap, 'the Lease kept being renewed (heartbeat 2 s, grace 8 s)').toBeLessThan(6000);
      const bystander = await cluster.client.pods.get('bystander', 'default');
      expect(bystander.status?.phase).toBe('Running');
      // The unpullable pod says why it waits, naming the image.
      const failed = await waitUntil('unpullable reporting its pull failure', async () => {
        const w = await waiting();
        return w && ['ErrImagePull', 'ImagePullBackOff'].includes(w.reason ?? '') ? w : undefined;
      }, 90_000, 1000);
      expect(failed.message).toContain(IMAGE);
    } finally {
      const [c, ...a] = dnsDrop('-D');
      await run(c!, a).catch(() => undefined);
    }
  }));
});
