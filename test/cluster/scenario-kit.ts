// Shared steps of the fault scenarios: a small web Deployment, rollouts, and waiting for
// convergence measured against what really runs on the hosts' engines.

import type { Deployment } from '../../api/types.js';
import { afterAll, beforeAll } from 'vitest';
import { startCluster, type Cluster, type ClusterOptions } from './harness.js';
import { snapshot, violations, type Snapshot } from './invariants.js';
import { matchesLabels, selectorFromLabelSelector } from '../../api/selectors/labels.js';
import { sleep } from './sh.js';

export function webDeployment(name: string, replicas: number, opts: { maxSurge?: number; maxUnavailable?: number } = {}): Deployment {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: opts.maxSurge ?? 1, maxUnavailable: opts.maxUnavailable ?? 1 } },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [{ name: 'web', image: 'orch.local/web:latest', imagePullPolicy: 'Never', env: [{ name: 'REVISION', value: '1' }] }],
        },
      },
    },
  } as Deployment;
}

/** Starts a rollout by changing the template (an env var), as `kubectl set env` would. */
export async function rollout(cluster: Cluster, name: string, revision: string): Promise<void> {
  const d = await cluster.client.deployments.get(name, 'default');
  const tpl = structuredClone(d.spec.template);
  tpl.spec!.containers[0].env = [{ name: 'REVISION', value: revision }];
  await cluster.client.deployments.patch(name, 'default', { spec: { template: tpl } }, 'merge');
}

/** Running (engine-level) pods of a Deployment: pod uids with a running container. */
export function runningPodsOf(s: Snapshot, d: Deployment): string[] {
  const reqs = selectorFromLabelSelector(d.spec.selector);
  const uids = new Set(s.pods.filter((p) => p.metadata.namespace === d.metadata.namespace && matchesLabels(reqs, p.metadata.labels)).map((p) => p.metadata.uid));
  const running = new Set<string>();
  for (const list of s.containers.values()) for (const c of list) if (c.running && uids.has(c.labels['orch.io/pod-uid'])) running.add(c.labels['orch.io/pod-uid']);
  return [...running];
}

export interface ConvergeCheck {
  /** Only converged when every pod of the Deployment runs this env REVISION. */
  revision?: string;
  /** Host indexes that must not run any of its pods (e.g. a lost host). */
  avoidHosts?: number[];
  /**
   * During a partition the cut-off host still runs its evicted (terminating) pods: count
   * only pods that are not terminating, and skip the cluster invariants.
   */
  partitioned?: boolean;
}

/** Why a Deployment is not converged yet, or undefined when it is. */
export function notConverged(s: Snapshot, name: string, replicas: number, check: ConvergeCheck = {}): string | undefined {
  const d = s.deployments.find((x) => x.metadata.name === name);
  if (!d) return `deployment ${name} not found`;
  if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return 'status not observed yet';
  if (d.status?.updatedReplicas !== replicas || d.status?.availableReplicas !== replicas || d.status?.replicas !== replicas) {
    return `status replicas=${d.status?.replicas} updated=${d.status?.updatedReplicas} available=${d.status?.availableReplicas}`;
  }
  const running = new Set(runningPodsOf(s, d));
  const terminating = new Set(s.pods.filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.uid));
  const live = check.partitioned ? new Set([...running].filter((u) => !terminating.has(u))) : running;
  if (live.size !== replicas) return `${live.size} pods running on the engines, want ${replicas}`;
  const pods = s.pods.filter((p) => live.has(p.metadata.uid!));
  if (pods.some((p) => p.metadata.deletionTimestamp)) return 'a running pod is terminating';
  if (check.revision && pods.some((p) => p.spec.containers[0].env?.find((e) => e.name === 'REVISION')?.value !== check.revision)) return `not every pod runs revision ${check.revision}`;
  if (check.avoidHosts?.length) {
    const bad = pods.filter((p) => check.avoidHosts!.some((i) => p.spec.nodeName === `h${i}`));
    if (bad.length) return `${bad.length} pods still on ${check.avoidHosts.map((i) => `h${i}`).join(',')}`;
  }
  return undefined;
}

/**
 * Waits until the Deployment is converged AND every cluster invariant holds; returns the
 * milliseconds from `since` (default now).
 */
export async function waitConverged(cluster: Cluster, name: string, replicas: number, timeoutMs: number, check: ConvergeCheck = {}, since = Date.now()): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let why = '';
  while (Date.now() < deadline) {
    try {
      const s = await snapshot(cluster);
      why = notConverged(s, name, replicas, check) ?? (check.partitioned ? '' : violations(s, cluster.hostIndexes).join('; '));
      if (!why) return Date.now() - since;
    } catch (err) {
      why = (err as Error).message;
    }
    await sleep(500);
  }
  throw new Error(`deployment ${name} did not converge within ${timeoutMs / 1000}s: ${why}`);
}

/** Creates n ConfigMaps and records each acknowledged one in the ledger. */
export async function writeConfigMaps(cluster: Cluster, ledger: { ack(cm: import('../../api/types.js').ConfigMap): void }, prefix: string, n: number): Promise<void> {
  for (let k = 0; k < n; k++) {
    const cm = await cluster.client.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-${k}`, namespace: 'default' }, data: { k: String(k) } });
    ledger.ack(cm);
  }
}

/** Running containers of every host, keyed by id, with their start time and restart count. */
export async function runningContainers(cluster: Cluster): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const i of cluster.hostIndexes) {
    for (const c of await cluster.dockerPs(i)) if (c.running) out.set(c.id, `h${i} ${c.name} started ${c.startedAt} restarts ${c.restartCount}`);
  }
  return out;
}

/** Runs a scenario body, appending the components' last log lines to any failure. */
export async function withLogs(cluster: Cluster, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${cluster.logTails()}`);
  }
}

/**
 * One multi-host cluster per scenario file: call inside the file's describe; the cluster
 * starts before its tests and is torn down after them, also when they fail.
 */
export function useCluster(opts: ClusterOptions, set: (cluster: Cluster) => void): void {
  let started: Cluster | undefined;
  beforeAll(async () => {
    started = await startCluster(opts);
    set(started);
  });
  afterAll(async () => {
    await started?.teardown();
  });
}

/** The steady start of a scenario: a web Deployment converged, and ledger writes acknowledged. */
export async function steadyWorkload(cluster: Cluster, ledger: { ack(cm: import('../../api/types.js').ConfigMap): void }, name: string, replicas: number, check: ConvergeCheck = {}): Promise<void> {
  await cluster.client.deployments.create(webDeployment(name, replicas));
  await waitConverged(cluster, name, replicas, 120_000, check);
  await writeConfigMaps(cluster, ledger, name, 5);
}
