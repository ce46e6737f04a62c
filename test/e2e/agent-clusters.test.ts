// Two orch clusters on one Docker engine with the SAME node name (two `orch up` on one host):
// each agent labels its containers with its cluster identity (uid of kube-system) and
// leaves the other cluster's containers alone — no removal as orphans, no adoption.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/types.js';
import { createLogger } from '../../foundation/logger.js';
import { ApiClient } from '../../client/rest-client.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { appContainersWith, containersWith, countSyncs, docker, podManifest, removeContainersWith, waitFor } from './agent-helpers.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `e2e-same-${RUN}`;

interface Cluster {
  api: TestApiServer;
  admin: ApiClient;
  agent: Agent;
  root: string;
}
const clusters: Cluster[] = [];

async function startCluster(): Promise<Cluster> {
  const api = await startTestApiServer({ nodeNames: [NODE] });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-agent-clusters-'));
  const logger = createLogger(`agent-${NODE}`, process.env.ORCH_TEST_LOG ?? 'silent');
  const agent = new Agent({
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    nodeName: NODE,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE] }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: root,
    heartbeatIntervalMs: 1000,
    // Frequent orphan sweeps: the hazard is one agent sweeping the other's containers.
    resyncIntervalMs: 300,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
  });
  const c = { api, admin: new ApiClient({ server: api.url, token: api.token }), agent, root };
  clusters.push(c);
  await agent.start();
  await agent.waitForSync();
  return c;
}

async function running(c: Cluster, name: string): Promise<Pod> {
  return waitFor(`${name} running`, async () => {
    const p = await c.admin.pods.get(name, 'default');
    return p.status?.phase === 'Running' ? p : undefined;
  }, 60_000);
}

beforeAll(() => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
});

afterAll(async () => {
  for (const c of clusters) await c.agent.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE });
  for (const c of clusters) {
    await c.api.stop();
    fs.rmSync(c.root, { recursive: true, force: true });
  }
});

describe('two clusters, one engine, one node name', () => {
  it('each agent labels its containers with its cluster and leaves the other cluster alone', async () => {
    const one = await startCluster();
    const two = await startCluster();
    const uidOne = (await one.admin.namespaces.get('kube-system')).metadata.uid!;
    const uidTwo = (await two.admin.namespaces.get('kube-system')).metadata.uid!;
    expect(uidOne).not.toBe(uidTwo);

    // Same pod name in both clusters, on purpose.
    await one.admin.pods.create(podManifest(`web-${RUN}`, NODE));
    await two.admin.pods.create(podManifest(`web-${RUN}`, NODE));
    const p1 = await running(one, `web-${RUN}`);
    const p2 = await running(two, `web-${RUN}`);
    const [id1] = appContainersWith({ 'orch.io/pod-uid': p1.metadata.uid! });
    const [id2] = appContainersWith({ 'orch.io/pod-uid': p2.metadata.uid! });
    const sandboxes = () => [p1, p2].map((p) => containersWith({ 'orch.io/pod-uid': p.metadata.uid!, 'orch.io/container': 'POD' }));
    const [sandbox1, sandbox2] = sandboxes();
    expect(docker('inspect', '-f', '{{index .Config.Labels "orch.io/cluster"}}', id1!)).toBe(uidOne);
    expect(docker('inspect', '-f', '{{index .Config.Labels "orch.io/cluster"}}', id2!)).toBe(uidTwo);

    // Several syncs and orphan sweeps later (resync 300 ms), each agent having seen the
    // other cluster's container of the same name, both still run, untouched.
    const [seenOne, seenTwo] = [countSyncs(one.agent), countSyncs(two.agent)];
    const key = `default/web-${RUN}`;
    await waitFor('3 syncs and 3 orphan sweeps on both agents', () => seenOne.syncs(key) >= 3 && seenTwo.syncs(key) >= 3 && seenOne.sweeps() >= 3 && seenTwo.sweeps() >= 3, 30_000);
    expect(appContainersWith({ 'orch.io/pod-uid': p1.metadata.uid! })).toEqual([id1]);
    expect(appContainersWith({ 'orch.io/pod-uid': p2.metadata.uid! })).toEqual([id2]);
    expect(sandboxes()).toEqual([sandbox1, sandbox2]);
    expect([sandbox1, sandbox2].map((s) => s.length)).toEqual([1, 1]);
    expect(docker('inspect', '-f', '{{.State.Running}}', id1!, id2!)).toBe('true\ntrue');
    expect((await one.admin.pods.get(`web-${RUN}`, 'default')).status!.containerStatuses![0]!.restartCount).toBe(0);
    expect((await two.admin.pods.get(`web-${RUN}`, 'default')).status!.containerStatuses![0]!.restartCount).toBe(0);

    // Deleting the pod in cluster one leaves cluster two's container of the same name alone.
    await one.admin.pods.delete(`web-${RUN}`, 'default', { gracePeriodSeconds: 1 });
    await waitFor('cluster one container removed', () => containersWith({ 'orch.io/pod-uid': p1.metadata.uid! }).length === 0, 30_000);
    const sweptTwo = seenTwo.sweeps();
    const sweptOne = seenOne.sweeps();
    await waitFor('2 more orphan sweeps on both agents', () => seenOne.sweeps() >= sweptOne + 2 && seenTwo.sweeps() >= sweptTwo + 2, 30_000);
    expect(containersWith({ 'orch.io/pod-uid': p2.metadata.uid! }).sort()).toEqual([id2!, ...sandbox2!].sort());
    // A stopping agent's final sweep must not take the other cluster's container either.
    await one.agent.stop();
    expect(containersWith({ 'orch.io/pod-uid': p2.metadata.uid! }).sort()).toEqual([id2!, ...sandbox2!].sort());
  });
});
