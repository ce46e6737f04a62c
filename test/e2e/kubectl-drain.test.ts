// `kubectl drain` (v1.32) end to end against real parts: apiserver + etcd over TLS, the
// scheduler, the controller manager (its disruption controller keeps the budget), and
// two node agents running real containers on the local Docker engine. A Deployment of 2
// on node A with a budget of minAvailable 1: drain evicts one pod, is refused (429) for
// the other until the replacement runs Ready on node B, retries, and finishes with every
// pod on B. `--disable-eviction` deletes instead, budget or not.

import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPodReady } from '../../api/meta.js';
import type { Pod, PodDisruptionBudget } from '../../api/types.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { ApiClient } from '../../client/rest-client.js';
import { ControllerManager } from '../../controller/manager.js';
import { createLogger, silentLogger } from '../../foundation/logger.js';
import { runScheduler } from '../../scheduler/run.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { docker, removeContainersWith } from './agent-helpers.js';
import { deployment, waitFor } from './controller-helpers.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE_A = `h17-evict-a-${RUN}`;
const NODE_B = `h17-evict-b-${RUN}`;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let kubectl: Clients;
let manager: ControllerManager;
const schedulerStop = new AbortController();
let scheduler: Promise<unknown>;
const agents: Agent[] = [];

async function startAgent(nodeName: string): Promise<void> {
  const logger = createLogger(`agent-${nodeName}`, process.env.ORCH_TEST_LOG ?? 'silent');
  const agent = new Agent({
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    nodeName,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[nodeName], ca: api.ca }, { logger }),
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
  agents.push(agent);
  await agent.start();
}

/** kubectl with a longer deadline than the helper's 30 s (drain waits for budgets). */
function kubectlLong(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', [...kubectl.kubectlArgs, ...args], { timeout: timeoutMs, env: { ...process.env, KUBECONFIG: path.join(root, 'none') } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'h17-evict-drain-'));
  api = await startTestApiServer({ tls: true, nodeNames: [NODE_A, NODE_B] });
  admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  kubectl = cliClients(api, root);
  for (const n of [NODE_A, NODE_B]) await startAgent(n);
  await waitFor('both nodes Ready', async () => {
    const nodes = (await admin.nodes.list()).items;
    return [NODE_A, NODE_B].every((n) => nodes.find((x) => x.metadata.name === n)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  }, 60_000);
  scheduler = runScheduler({ client: admin, logger: silentLogger() }, schedulerStop.signal);
  manager = new ControllerManager({ client: admin, logger: silentLogger(), controllers: ['replicaset', 'deployment', 'disruption'] });
  await manager.start();
}, 120_000);

afterAll(async () => {
  await manager?.stop().catch(() => undefined);
  schedulerStop.abort();
  await scheduler?.catch(() => undefined);
  for (const a of agents) await a.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE_A });
  removeContainersWith({ 'orch.io/node': NODE_B });
  await api?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const webPods = async (): Promise<Pod[]> => (await admin.pods.list({ namespace: 'default', labelSelector: 'app=web' })).items;
const live = (pods: Pod[]) => pods.filter((p) => !p.metadata.deletionTimestamp);
const budget = () => admin.resource<PodDisruptionBudget>('poddisruptionbudgets').get('web', 'default');

async function describePods(): Promise<string> {
  return (await webPods()).map((p) => `${p.metadata.name} node=${p.spec.nodeName ?? '-'} phase=${p.status?.phase} ready=${isPodReady(p)} deleting=${!!p.metadata.deletionTimestamp}`).join('\n');
}

describe('kubectl drain with a PodDisruptionBudget', () => {
  it('kubectl create pdb, then drain evicts one pod at a time, retrying on 429 until the replacement is Ready elsewhere', async () => {
    // Both replicas on node A: B is cordoned while they are placed.
    expect((await kubectl.kubectl(['cordon', NODE_B])).code).toBe(0);
    const d = deployment('web', 2, 'orch.local/busybox:latest');
    const c = d.spec.template.spec.containers[0]!;
    c.command = ['sleep', '3600'];
    c.imagePullPolicy = 'IfNotPresent'; // ':latest' defaults to Always; no registry here
    d.spec.template.spec.terminationGracePeriodSeconds = 1;
    d.spec.template.spec.volumes = [{ name: 'scratch', emptyDir: {} }];
    await admin.deployments.create(d);
    await waitFor('2 Ready pods on node A', async () => {
      const pods = live(await webPods());
      return pods.length === 2 && pods.every((p) => p.spec.nodeName === NODE_A && isPodReady(p));
    }, 60_000);
    expect((await kubectl.kubectl(['uncordon', NODE_B])).code).toBe(0);

    const created = await kubectl.kubectl(['create', 'pdb', 'web', '--selector=app=web', '--min-available=1']);
    expect(created.stderr).toBe('');
    expect(created.stdout.trim()).toBe('poddisruptionbudget.policy/web created');
    await waitFor('budget computed: 1 disruption allowed', async () => (await budget()).status?.disruptionsAllowed === 1, 30_000);
    const got = await kubectl.kubectl(['get', 'pdb', 'web']);
    expect(got.stdout.split('\n')[0]!.split(/\s{2,}/)).toEqual(['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
    expect(got.stdout.split('\n')[1]!.split(/\s+/).slice(0, 4)).toEqual(['web', '1', 'N/A', '1']);
    const described = await kubectl.kubectl(['describe', 'pdb', 'web']);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/Min available:\s+1\n/);
    expect(described.stdout).toMatch(/Allowed disruptions:\s+1\n\s+Current:\s+2\n\s+Desired:\s+1\n\s+Total:\s+2\n/);

    // While drain runs, never fewer than one Ready pod that is not going away.
    let minReady = Infinity;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const ready = live(await webPods()).filter(isPodReady).length;
        minReady = Math.min(minReady, ready);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const drained = await kubectlLong(['drain', NODE_A, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=150s'], 170_000);
    sampling = false;
    await sampler;
    expect(drained.code, `${drained.stdout}\n${drained.stderr}\n${await describePods()}`).toBe(0);
    expect(drained.stdout).toContain(`node/${NODE_A} drained`);
    expect(drained.stdout.match(/evicted/g)?.length).toBe(2);
    // The budget held the second eviction back at least once.
    expect(drained.stderr).toMatch(/error when evicting pods\/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
    expect(minReady).toBeGreaterThanOrEqual(1);

    const node = await admin.nodes.get(NODE_A);
    expect(node.spec?.unschedulable).toBe(true);
    await waitFor('2 Ready pods on node B', async () => {
      const pods = live(await webPods());
      return pods.length === 2 && pods.every((p) => p.spec.nodeName === NODE_B && isPodReady(p));
    }, 60_000);
  }, 300_000);

  it('kubectl apply --server-side of a budget, then kubectl get pdb lists both', async () => {
    const manifest = path.join(root, 'other-pdb.yaml');
    fs.writeFileSync(
      manifest,
      ['apiVersion: policy/v1', 'kind: PodDisruptionBudget', 'metadata: { name: other }', 'spec:', '  maxUnavailable: 50%', '  selector: { matchLabels: { app: other } }', ''].join('\n'),
    );
    const applied = await kubectl.kubectl(['apply', '--server-side', '-f', manifest]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout.trim()).toBe('poddisruptionbudget.policy/other serverside-applied');
    const list = await kubectl.kubectl(['get', 'pdb', '--no-headers']);
    expect(list.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['other', 'N/A', '50%'],
      ['web', '1', 'N/A'],
    ]);
  });

  it('kubectl drain --disable-eviction deletes the pods, budget or not', async () => {
    expect((await kubectl.kubectl(['uncordon', NODE_A])).code).toBe(0);
    await waitFor('budget allows one', async () => (await budget()).status?.disruptionsAllowed === 1, 30_000);
    const drained = await kubectlLong(['drain', NODE_B, '--ignore-daemonsets', '--delete-emptydir-data', '--disable-eviction', '--timeout=90s'], 110_000);
    expect(drained.code, `${drained.stdout}\n${drained.stderr}\n${await describePods()}`).toBe(0);
    expect(drained.stdout.match(/deleted/g)?.length).toBe(2);
    expect(drained.stdout).not.toContain('evicted');
    expect(drained.stdout).toContain(`node/${NODE_B} drained`);
    await waitFor('2 Ready pods back on node A', async () => {
      const pods = live(await webPods());
      return pods.length === 2 && pods.every((p) => p.spec.nodeName === NODE_A && isPodReady(p));
    }, 60_000);
  }, 200_000);
});
