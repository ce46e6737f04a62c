// Graceful deletion of restartPolicy=Always pods on a real engine, the way `orch down
// --purge` does it: delete every pod with a grace period, wait until the pod list is
// empty, stop the agent at once. No container of those pods may be left, and none may
// have been created after the delete (a `die` event of a stopped container must never
// lead to a replacement for a terminating pod).

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../foundation/logger.js';
import { ApiClient } from '../../client/rest-client.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { appContainersWith, containersWith, docker, podManifest, removeContainersWith, waitFor } from './agent-helpers.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `e2e-del-${RUN}`;
const PODS = 6;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let agent: Agent | undefined;

async function startAgent(resyncIntervalMs: number): Promise<Agent> {
  const logger = createLogger(`agent-${NODE}`, process.env.ORCH_TEST_LOG ?? 'silent');
  const a = new Agent({
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    nodeName: NODE,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE] }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: root,
    heartbeatIntervalMs: 1000,
    resyncIntervalMs,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
  });
  await a.start();
  await a.waitForSync();
  return a;
}

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-agent-del-'));
  api = await startTestApiServer({ nodeNames: [NODE] });
  admin = new ApiClient({ server: api.url, token: api.token });
  // A short resync makes extra reconciles race with the deletion flow.
  agent = await startAgent(300);
});

afterAll(async () => {
  await agent?.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE });
  await api?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('agent graceful deletion (real Docker)', () => {
  it('deleting Always pods gracefully leaves no container and creates none after the delete', async () => {
    const names = Array.from({ length: PODS }, (_, i) => `web-${RUN}-${i}`);
    for (const n of names) {
      // `sleep` as PID 1 ignores SIGTERM: the stop lasts the whole grace period, and the
      // die event arrives while the pod still exists with its deletionTimestamp.
      await admin.pods.create(podManifest(n, NODE, { restartPolicy: 'Always', terminationGracePeriodSeconds: 30 }));
    }
    await waitFor('all pods running', async () => {
      const list = await admin.pods.list({ namespace: 'default' });
      return list.items.filter((p) => p.status?.phase === 'Running').length === PODS ? true : undefined;
    }, 60_000);
    const uids = (await admin.pods.list({ namespace: 'default' })).items.map((p) => p.metadata.uid!);

    // Docker's `--since` has whole-second precision here, so the window below also holds the
    // creates of the pods' own containers when they happened in the same second as the
    // delete (they did under load: 4 of 6 showed up as "created after the delete"). Those
    // containers exist now; a create after the delete is one of a container not among them.
    const before = new Set(uids.flatMap((uid) => containersWith({ 'orch.io/pod-uid': uid })));
    expect(before.size).toBe(2 * PODS); // each pod's container and its sandbox
    const since = Math.floor(Date.now() / 1000);
    await Promise.all(names.map((n) => admin.pods.delete(n, 'default', { gracePeriodSeconds: 2 })));
    await waitFor('pod list empty', async () => ((await admin.pods.list({ namespace: 'default' })).items.length === 0 ? true : undefined), 60_000, 50);
    // Exactly what `orch down` does next.
    await agent!.stop();
    agent = undefined;

    const left = uids.flatMap((uid) => containersWith({ 'orch.io/pod-uid': uid }));
    const until = Math.floor(Date.now() / 1000) + 1;
    const events = docker('events', '--since', String(since), '--until', String(until), '--filter', 'event=create', '--filter', `label=orch.io/node=${NODE}`, '--format', '{{.ID}} {{.Actor.Attributes.name}}');
    const creates = events
      .split('\n')
      .filter((l) => l && !before.has(l.split(' ')[0]!))
      .map((l) => l.split(' ')[1]);
    expect(left).toEqual([]);
    expect(creates).toEqual([]);
  });

  it('stopping the agent removes containers of pods that no longer exist, and leaves live pods running', async () => {
    // A long resync: the periodic sweep cannot be what removes the orphan.
    await agent?.stop();
    agent = await startAgent(600_000);
    await admin.pods.create(podManifest(`live-${RUN}`, NODE));
    const live = await waitFor('live pod running', async () => {
      const p = await admin.pods.get(`live-${RUN}`, 'default');
      return p.status?.phase === 'Running' ? p : undefined;
    }, 60_000);
    // What a reconcile that raced with a deletion leaves behind: a container of this node
    // for a pod uid that no longer exists, whose removal was still queued at stop.
    const orphan = docker('run', '-d', '--name', `orch_default_gone-${RUN}_main_deadbeef_0`, '--label', `orch.io/node=${NODE}`, '--label', 'orch.io/pod-uid=deadbeef-gone', '--label', 'orch.io/namespace=default', '--label', `orch.io/pod=gone-${RUN}`, '--label', 'orch.io/container=main', '--label', 'orch.io/attempt=0', 'orch.local/busybox:latest', 'sleep', '3600');
    await agent.stop();
    agent = undefined;
    expect(containersWith({ 'orch.io/pod-uid': 'deadbeef-gone' })).toEqual([]);
    expect(() => docker('inspect', orphan)).toThrow();
    const liveIds = appContainersWith({ 'orch.io/pod-uid': live.metadata.uid! });
    expect(liveIds).toHaveLength(1);
    expect(docker('inspect', '-f', '{{.State.Running}}', liveIds[0]!)).toBe('true');
  });
});
