// The workload of the zero-loss scenario (scenarios/zero-loss.test.ts) and bench/rollout.ts:
// a Deployment of orch.local/zl-app behind a ClusterIP + NodePort Service, clients on every
// host (zero-loss-traffic.ts), and the sequence they run through — two image rollouts
// (v1 → v2 → v3) and a scale 6 → 2 → 6, each waited for with `kubectl rollout status`.

import path from 'node:path';
import type { Deployment, Pod, Service } from '../../api/types.js';
import { ENTRY, type Cluster } from './harness.js';
import { hostIP } from './network.js';
import { exec, run, sleep, waitUntil } from './sh.js';
import { standardLoops, TrafficClient, type LoopReport } from './zero-loss-traffic.js';

/**
 * The zero-loss app (test/images/zl-app/server.cjs) in three versions differing only in
 * ENV VERSION, built by scripts/build-zl-app-image.sh on node-base.
 */
export const zlAppImage = (version: 'v1' | 'v2' | 'v3'): string => `orch.local/zl-app:${version}`;
export const ZL_APP_IMAGES = (['v1', 'v2', 'v3'] as const).map(zlAppImage);

export const ZL_NS = 'default';
export const ZL_NAME = 'zl';
export const ZL_PORT = 80;
export const ZL_NODE_PORT = 30090;
/** The agent flag of the termination protocol (0 turns it off). */
export const DRAIN_FLAG = '--proxy-drain-timeout';

export function zlDeployment(replicas: number): Deployment {
  const labels = { app: ZL_NAME };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: ZL_NAME, namespace: ZL_NS },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      // Kubernetes' default surge and unavailability (25 % of 6: 2 and 1).
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels },
        spec: {
          // The app exits within its EXIT_AFTER_MS (8 s) at the latest; the grace period is above it.
          terminationGracePeriodSeconds: 10,
          containers: [{
            name: 'app',
            image: zlAppImage('v1'),
            imagePullPolicy: 'Never',
            ports: [{ name: 'http', containerPort: 8080 }],
            // failureThreshold 1: a flip of /healthz (bench/rollout) takes the pod out at the next probe.
            readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 1, successThreshold: 1, timeoutSeconds: 1 },
          }],
        },
      },
    },
  } as Deployment;
}

export function zlService(): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: ZL_NAME, namespace: ZL_NS },
    spec: { type: 'NodePort', selector: { app: ZL_NAME }, ports: [{ name: 'http', port: ZL_PORT, targetPort: 'http', nodePort: ZL_NODE_PORT }] },
  } as Service;
}

/** Pods of the Deployment that are not terminating. */
export async function livePods(cluster: Cluster): Promise<Pod[]> {
  return (await cluster.client.pods.list({ namespace: ZL_NS, labelSelector: `app=${ZL_NAME}` })).items.filter((p) => !p.metadata.deletionTimestamp);
}

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * `kubectl rollout status` until it reports success (each call is bounded: the harness's
 * kubectl gives up after 30 s), then until only `replicas` pods are left, none terminating
 * (so the next step starts from a settled Deployment).
 */
export async function waitRollout(cluster: Cluster, replicas: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const out = await cluster.kubectl(['rollout', 'status', `deployment/${ZL_NAME}`, '-n', ZL_NS, '--timeout=20s']);
      if (/successfully rolled out/.test(out)) break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`deployment ${ZL_NAME} not rolled out within ${timeoutMs / 1000} s`);
  }
  await waitUntil(`${replicas} ${ZL_NAME} pods left, all ready, none terminating`, async () => {
    const all = (await cluster.client.pods.list({ namespace: ZL_NS, labelSelector: `app=${ZL_NAME}` })).items;
    return all.length === replicas && all.every((p) => !p.metadata.deletionTimestamp && isReady(p));
  }, Math.max(10_000, deadline - Date.now()), 250);
}

export async function setImage(cluster: Cluster, version: 'v1' | 'v2' | 'v3'): Promise<void> {
  await cluster.kubectl(['set', 'image', `deployment/${ZL_NAME}`, `app=${zlAppImage(version)}`, '-n', ZL_NS]);
}

export async function scale(cluster: Cluster, replicas: number): Promise<void> {
  await cluster.kubectl(['scale', `deployment/${ZL_NAME}`, `--replicas=${replicas}`, '-n', ZL_NS]);
}

/** Creates the Deployment and the Service and waits for every endpoint to be ready; returns the ClusterIP. */
export async function deployZlApp(cluster: Cluster, replicas: number, timeoutMs = 120_000): Promise<string> {
  await cluster.client.deployments.create(zlDeployment(replicas));
  const svc = await cluster.client.services.create(zlService());
  await waitRollout(cluster, replicas, timeoutMs);
  return svc.spec.clusterIP!;
}

/** Where the live pods run: "h1: 2, h2: 2, h3: 2". */
export async function placement(cluster: Cluster): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of await livePods(cluster)) out[p.spec.nodeName ?? '?'] = (out[p.spec.nodeName ?? '?'] ?? 0) + 1;
  return out;
}

export interface Step {
  name: string;
  /** From the change to the rollout complete (kubectl rollout status) and the old pods gone. */
  ms: number;
}

export interface SequenceResult {
  reports: LoopReport[];
  steps: Step[];
}

/**
 * Clients on every host (four loops each), then the steps in order, each waited for;
 * traffic runs throughout and `settleMs` beyond the last step.
 */
export async function runWithTraffic(
  cluster: Cluster, clusterIP: string, steps: { name: string; apply: () => Promise<void>; replicas: number }[],
  opts: { stepTimeoutMs?: number; settleMs?: number; say?: (line: string) => void } = {},
): Promise<SequenceResult> {
  const hosts = cluster.hostIndexes;
  const clients: TrafficClient[] = [];
  try {
    for (const i of hosts) clients.push(await TrafficClient.start(i, standardLoops(i, hosts.length, clusterIP, ZL_PORT, ZL_NODE_PORT, hostIP)));
    const done: Step[] = [];
    for (const s of steps) {
      for (const c of clients) c.phase(s.name);
      const t0 = Date.now();
      await s.apply();
      await waitRollout(cluster, s.replicas, opts.stepTimeoutMs ?? 180_000);
      done.push({ name: s.name, ms: Date.now() - t0 });
      opts.say?.(`${s.name}: ${Date.now() - t0} ms, pods ${JSON.stringify(await placement(cluster))}`);
    }
    for (const c of clients) c.phase('settle');
    await sleep(opts.settleMs ?? 3000);
    const reports: LoopReport[] = [];
    for (const c of clients) reports.push(...(await c.stop()));
    return { reports, steps: done };
  } finally {
    for (const c of clients) c.kill();
  }
}

/** The standard sequence: v1 → v2, v2 → v3, scale to 2, scale to 6. */
export function standardSteps(cluster: Cluster, replicas: number): { name: string; apply: () => Promise<void>; replicas: number }[] {
  return [
    { name: 'rollout v2', apply: () => setImage(cluster, 'v2'), replicas },
    { name: 'rollout v3', apply: () => setImage(cluster, 'v3'), replicas },
    { name: 'scale 2', apply: () => scale(cluster, 2), replicas: 2 },
    { name: `scale ${replicas}`, apply: () => scale(cluster, replicas), replicas },
  ];
}

/** Does this build's agent have the termination protocol's flag? (Before it, an agent given the flag would exit.) */
export async function agentHasDrainFlag(): Promise<boolean> {
  const r = await exec(process.execPath, [ENTRY, 'agent', '--help']);
  return r.stdout.includes(DRAIN_FLAG);
}

/** Builds orch.local/zl-app:v1..v3 when missing or stale (the script is idempotent and quick when up to date). */
export async function buildZlAppImages(): Promise<void> {
  await run('bash', [path.join(path.dirname(ENTRY), '..', '..', 'scripts', 'build-zl-app-image.sh')], { timeoutMs: 300_000 });
}

/**
 * Restarts every agent with `extra` flags added to the cluster's agent flags (e.g.
 * [DRAIN_FLAG, '0']); pods keep running and are adopted. `base` are the flags before any
 * such change (remember them once: cluster.opts is what the harness starts agents with).
 */
export async function restartAgentsWith(cluster: Cluster, base: string[], extra: string[]): Promise<void> {
  cluster.opts.agentFlags = [...base, ...extra];
  for (const i of cluster.hostIndexes) {
    await cluster.stopAgent(i);
    await cluster.startAgent(i);
  }
  await cluster.waitNodesReady();
}

/**
 * The namespace's Warning Events, oldest first, as "time object reason: message" (the last
 * `max`): printed beside failed requests — a drain or routing wait that hit its bound, a
 * probe failing, says where to look.
 */
export async function warningEvents(cluster: Cluster, max = 20): Promise<string[]> {
  const when = (e: { lastTimestamp?: string; eventTime?: string | null; firstTimestamp?: string }) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '';
  // Diagnostics only: a failure to list must not hide the failure being reported.
  const all = await cluster.client.events.list({ namespace: ZL_NS }).catch((err: Error) => err);
  if (all instanceof Error) return [`(events not listed: ${all.message})`];
  const list = all.items.filter((e) => e.type === 'Warning');
  return list.sort((a, b) => when(a).localeCompare(when(b))).slice(-max).map((e) => `${when(e)} ${e.involvedObject.kind}/${e.involvedObject.name} ${e.reason}: ${e.message}`);
}
