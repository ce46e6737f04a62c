// The controllers with real parts around them: apiserver + etcd, the scheduler, two node
// agents on the local Docker engine (several agents may share one engine) and the
// controller manager, all in this process. A Deployment keeps its containers through
// `docker kill` / `docker rm -f`, an image change rolls through, and the pods of a
// stopped agent come back on the other node.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, Pod } from '../../api/types.js';
import { createLogger, silentLogger } from '../../foundation/logger.js';
import { ApiClient } from '../../client/rest-client.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { runScheduler } from '../../scheduler/run.js';
import { ControllerManager } from '../../controller/manager.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { countSyncs, docker, removeContainersWith } from './agent-helpers.js';
import { deployment, rolledOut, waitFor } from './controller-helpers.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE_A = `cm-a-${RUN}`;
const NODE_B = `cm-b-${RUN}`;
const GRACE_MS = 6000;
const EVICTION_MS = 3000;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let manager: ControllerManager;
const schedulerStop = new AbortController();
let scheduler: Promise<unknown>;
const agents = new Map<string, Agent>();

function startAgent(nodeName: string): Agent {
  const logger = createLogger(`agent-${nodeName}`, process.env.ORCH_TEST_LOG ?? 'silent');
  const agent = new Agent({
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    nodeName,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[nodeName] }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, nodeName),
    heartbeatIntervalMs: 1000,
    resyncIntervalMs: 2000,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
  });
  agents.set(nodeName, agent);
  return agent;
}

/** Running app containers of our pods, sandboxes aside (one `docker ps` per node: no racy per-container inspect). */
const running = (node?: string): string[] =>
  (node ? [node] : [NODE_A, NODE_B]).flatMap((n) => {
    const out = docker('ps', '--no-trunc', '--format', '{{.ID}} {{.Label "orch.io/container"}}', '--filter', 'status=running', '--filter', 'label=orch.io/namespace=default', '--filter', `label=orch.io/node=${n}`);
    return out ? out.split('\n').map((l) => l.split(' ')).filter(([, c]) => c !== 'POD').map(([id]) => id!) : [];
  });

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
  docker('image', 'inspect', 'orch.local/web:latest');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-cm-e2e-'));
  api = await startTestApiServer({ nodeNames: [NODE_A, NODE_B] });
  admin = new ApiClient({ server: api.url, token: api.token });
  for (const n of [NODE_A, NODE_B]) {
    const a = startAgent(n);
    await a.start();
  }
  await waitFor('both nodes Ready', async () => {
    const nodes = (await admin.nodes.list()).items;
    return [NODE_A, NODE_B].every((n) => nodes.find((x) => x.metadata.name === n)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  });
  scheduler = runScheduler({ client: admin, logger: silentLogger() }, schedulerStop.signal);
  manager = new ControllerManager({ client: admin, logger: silentLogger(), nodeMonitorGracePeriodMs: GRACE_MS, podEvictionTimeoutMs: EVICTION_MS, nodeMonitorPeriodMs: 500 });
  await manager.start();
}, 120_000);

afterAll(async () => {
  await manager?.stop().catch(() => undefined);
  schedulerStop.abort();
  await scheduler?.catch(() => undefined);
  for (const a of agents.values()) await a.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE_A });
  removeContainersWith({ 'orch.io/node': NODE_B });
  await api?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** What the cluster looks like, for the message of a failed wait. */
async function clusterState(): Promise<string> {
  const pods = (await admin.pods.list({ namespace: 'default' })).items;
  const lines = pods.map((p) => `${p.metadata.name} node=${p.spec.nodeName ?? '-'} phase=${p.status?.phase} ready=${p.status?.conditions?.find((c) => c.type === 'Ready')?.status} del=${!!p.metadata.deletionTimestamp} ${p.status?.containerStatuses?.map((c) => JSON.stringify(c.state)).join(',') ?? ''}`);
  return `pods:\n${lines.join('\n')}\ncontainers: ${running().length}`;
}

async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  try {
    await waitFor(what, fn, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await clusterState()}`);
  }
}

describe('controllers with the scheduler, real agents and Docker', () => {
  const get = () => admin.deployments.get('app', 'default');
  const update = async (fn: (d: Deployment) => void) => {
    for (;;) {
      const d = await get();
      fn(d);
      try {
        return await admin.deployments.update(d);
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
    }
  };
  const activePods = async () => (await admin.pods.list({ namespace: 'default', labelSelector: 'app=app' })).items.filter((p: Pod) => !p.metadata.deletionTimestamp);

  it('a Deployment of 3 keeps 3 running containers through docker kill and docker rm -f', async () => {
    const d = deployment('app', 3, 'orch.local/busybox:latest');
    d.spec.template.spec.containers[0]!.command = ['sleep', '3600'];
    // ':latest' defaults to Always, and no registry is reachable here
    d.spec.template.spec.containers[0]!.imagePullPolicy = 'IfNotPresent';
    d.spec.template.spec.terminationGracePeriodSeconds = 1;
    await admin.deployments.create(d);
    await until('3 running containers', () => running().length === 3 && true, 60_000);
    await until('rolled out', async () => rolledOut(await get()), 30_000);
    const [first, second] = running();
    docker('kill', first!);
    docker('rm', '-f', second!);
    await until('3 running containers again', () => running().length === 3, 60_000);
    // Two more syncs of every pod by its agent (resync every 2 s), with the controllers
    // running meanwhile: nothing doubled the replaced containers or the pods.
    const seen = [...agents.values()].map(countSyncs);
    const keys = (await activePods()).map((p) => `default/${p.metadata.name}`);
    await until('2 more syncs of every pod', () => keys.every((k) => seen.reduce((n, s) => n + s.syncs(k), 0) >= 2), 30_000);
    expect(running()).toHaveLength(3);
    expect(await activePods()).toHaveLength(3);
  }, 150_000);

  it('an image change rolls through', async () => {
    await update((d) => {
      d.spec.template.spec.containers[0]!.image = 'orch.local/web:latest';
      d.spec.template.spec.containers[0]!.command = undefined;
    });
    await until('all pods on the new image and rolled out', async () => {
      const pods = await activePods();
      return rolledOut(await get()) && pods.length === 3 && pods.every((p) => p.spec.containers[0]!.image === 'orch.local/web:latest');
    }, 90_000);
    await until('3 running containers', () => running().length === 3, 60_000);
  }, 150_000);

  it("a stopped agent's pods come back on the other node within grace + eviction + start time", async () => {
    const pods = await activePods();
    const victim = pods.find((p) => p.spec.nodeName)!.spec.nodeName!;
    const other = victim === NODE_A ? NODE_B : NODE_A;
    const t0 = Date.now();
    await agents.get(victim)!.stop();
    await until(`3 ready pods on ${other}`, async () => {
      const ps = await activePods();
      return ps.length === 3 && ps.every((p) => p.spec.nodeName === other && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }, 60_000);
    const elapsed = Date.now() - t0;
    // grace 6 s + eviction 3 s + container start; a generous ceiling for a busy 2-core box
    expect(elapsed).toBeLessThan(GRACE_MS + EVICTION_MS + 25_000);
    expect(running(other)).toHaveLength(3);
    const n = await admin.nodes.get(victim);
    expect(n.spec.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable')).toBe(true);
  }, 150_000);
});
