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
import { createLogger } from '../../client/logger.js';
import { ApiClient } from '../../client/rest-client.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { containersWith, docker, podManifest, removeContainersWith, waitFor } from './agent-helpers.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `e2e-del-${RUN}`;
const PODS = 6;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let agent: Agent | undefined;

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-agent-del-'));
  api = await startTestApiServer({ nodeNames: [NODE] });
  admin = new ApiClient({ server: api.url, token: api.token });
  const logger = createLogger(`agent-${NODE}`, process.env.ORCH_TEST_LOG ?? 'silent');
  agent = new Agent({
    nodeName: NODE,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE] }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: root,
    heartbeatIntervalMs: 1000,
    // A short resync makes extra reconciles race with the deletion flow.
    resyncIntervalMs: 300,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
  });
  await agent.start();
  await agent.waitForSync();
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

    const since = Math.floor(Date.now() / 1000);
    await Promise.all(names.map((n) => admin.pods.delete(n, 'default', { gracePeriodSeconds: 2 })));
    await waitFor('pod list empty', async () => ((await admin.pods.list({ namespace: 'default' })).items.length === 0 ? true : undefined), 60_000, 50);
    // Exactly what `orch down` does next.
    await agent!.stop();
    agent = undefined;

    const left = uids.flatMap((uid) => containersWith({ 'orch.io/pod-uid': uid }));
    const until = Math.floor(Date.now() / 1000) + 1;
    const creates = docker('events', '--since', String(since), '--until', String(until), '--filter', 'event=create', '--filter', `label=orch.io/node=${NODE}`, '--format', '{{.Actor.Attributes.name}}');
    expect(left).toEqual([]);
    expect(creates).toBe('');
  });
});
