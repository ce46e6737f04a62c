// The invariants every scenario must leave true, checked across all hosts' engines
// (what really runs), not only against the API's view:
//   1. every pod that should run has exactly one running container per spec container;
//   2. no running container with orch labels lacks a pod (same uid) bound to its node;
//   3. no Deployment has more than replicas + maxSurge pods running;
//   4. every write the API acknowledged is still there, with its last acknowledged value.

import type { ConfigMap, Deployment, Pod } from '../../api/types.js';
import { matchesLabels, selectorFromLabelSelector } from '../../api/selectors/labels.js';
import { isNotFound } from '../../api/errors.js';
import type { ContainerInfo } from './docker-engine.js';
import { nodeName, type Cluster } from './harness.js';
import { sleep } from './sh.js';

/** ConfigMaps whose creation or update the API acknowledged, with the acknowledged data. */
export class Ledger {
  private readonly acked = new Map<string, Record<string, string>>();

  ack(cm: ConfigMap): void {
    this.acked.set(`${cm.metadata.namespace ?? 'default'}/${cm.metadata.name}`, { ...(cm.data ?? {}) });
  }

  get size(): number {
    return this.acked.size;
  }

  async check(cluster: Cluster): Promise<string[]> {
    const problems: string[] = [];
    for (const [key, data] of this.acked) {
      const [ns, name] = key.split('/');
      try {
        const got = await cluster.client.configmaps.get(name, ns);
        if (JSON.stringify(got.data ?? {}) !== JSON.stringify(data)) problems.push(`acknowledged write lost: configmap ${key} has ${JSON.stringify(got.data)}, acknowledged ${JSON.stringify(data)}`);
      } catch (err) {
        problems.push(isNotFound(err) ? `acknowledged write lost: configmap ${key} is gone` : `cannot read configmap ${key}: ${(err as Error).message}`);
      }
    }
    return problems;
  }
}

export interface Snapshot {
  pods: Pod[];
  deployments: Deployment[];
  /** Containers per host index (running or not). */
  containers: Map<number, ContainerInfo[]>;
  /** Hosts whose engine did not answer (stopped on purpose by a scenario): not checked. */
  unreachable: Set<number>;
}

export async function snapshot(cluster: Cluster): Promise<Snapshot> {
  const [pods, deployments] = await Promise.all([cluster.client.pods.list(), cluster.client.deployments.list()]);
  const containers = new Map<number, ContainerInfo[]>();
  const unreachable = new Set<number>();
  for (const i of cluster.hostIndexes) {
    if (!(await cluster.engineUp(i))) {
      unreachable.add(i);
      continue;
    }
    containers.set(i, await cluster.dockerPs(i));
  }
  return { pods: pods.items, deployments: deployments.items, containers, unreachable };
}

/** maxSurge as a pod count (Kubernetes rounds a percentage up; default 25%). */
export function maxSurgeOf(d: Deployment): number {
  const replicas = d.spec.replicas ?? 1;
  if (d.spec.strategy?.type === 'Recreate') return 0;
  const v = d.spec.strategy?.rollingUpdate?.maxSurge ?? '25%';
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  return m ? Math.ceil((replicas * Number(m[1])) / 100) : Number(v);
}

const shouldRun = (p: Pod): boolean =>
  !!p.spec.nodeName && !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

/** Pure check over one snapshot; returns every violation found. */
export function violations(s: Snapshot, hostIndexes: number[]): string[] {
  const out: string[] = [];
  const podsByUid = new Map(s.pods.map((p) => [p.metadata.uid!, p]));
  const hostOfNode = new Map(hostIndexes.map((i) => [nodeName(i), i]));
  const running = [...s.containers.entries()].flatMap(([i, list]) => list.filter((c) => c.running).map((c) => ({ host: i, c })));

  for (const p of s.pods.filter(shouldRun)) {
    const host = hostOfNode.get(p.spec.nodeName!);
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    if (host === undefined) {
      out.push(`pod ${key} is bound to unknown node ${p.spec.nodeName}`);
      continue;
    }
    if (s.unreachable.has(host)) continue; // its engine is down on purpose: nothing to see
    for (const ctr of p.spec.containers) {
      const mine = running.filter(({ c }) => c.labels['orch.io/pod-uid'] === p.metadata.uid && c.labels['orch.io/container'] === ctr.name);
      const onHost = mine.filter((m) => m.host === host).length;
      if (onHost !== 1 || mine.length !== 1) {
        out.push(`pod ${key} container ${ctr.name}: ${onHost} running on ${p.spec.nodeName}, ${mine.length} in the cluster (want exactly 1)`);
      }
    }
  }

  for (const { host, c } of running) {
    const uid = c.labels['orch.io/pod-uid'];
    const pod = podsByUid.get(uid);
    if (!pod) out.push(`container ${c.name} on h${host} runs for pod uid ${uid}, which does not exist`);
    else if (pod.spec.nodeName !== nodeName(host)) out.push(`container ${c.name} on h${host} belongs to pod ${pod.metadata.name} bound to ${pod.spec.nodeName}`);
  }

  for (const d of s.deployments) {
    const reqs = selectorFromLabelSelector(d.spec.selector);
    const uids = new Set(
      running
        .map(({ c }) => podsByUid.get(c.labels['orch.io/pod-uid']))
        .filter((p): p is Pod => !!p && p.metadata.namespace === d.metadata.namespace && matchesLabels(reqs, p.metadata.labels))
        .map((p) => p.metadata.uid),
    );
    const limit = (d.spec.replicas ?? 1) + maxSurgeOf(d);
    if (uids.size > limit) out.push(`deployment ${d.metadata.name}: ${uids.size} pods running, more than replicas + maxSurge = ${limit}`);
  }
  return out;
}

/**
 * Polls until every invariant holds (the cluster converges after a fault) and throws
 * with the violations still present at the deadline. The ledger is checked once: an
 * acknowledged write that is gone never comes back.
 */
export async function assertInvariants(cluster: Cluster, ledger?: Ledger, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string[] = [];
  for (;;) {
    try {
      last = violations(await snapshot(cluster), cluster.hostIndexes);
    } catch (err) {
      last = [`cannot take a snapshot: ${(err as Error).message}`];
    }
    if (last.length === 0 || Date.now() > deadline) break;
    await sleep(1000);
  }
  const lost = ledger ? await ledger.check(cluster) : [];
  const all = [...last, ...lost];
  if (all.length) throw new Error(`invariants violated:\n  - ${all.join('\n  - ')}`);
}

/**
 * Samples the engines while a fault is in progress and remembers every duplicate seen:
 * two running containers for one pod's container, or a running container on a host its
 * pod is not bound to. (Counts against maxSurge are checked once converged: terminating
 * pods legitimately overlap their replacements for their grace period.)
 */
export class DuplicateMonitor {
  readonly seen: string[] = [];
  samples = 0;
  private running = false;
  private loop?: Promise<void>;

  constructor(private readonly cluster: Cluster, private readonly intervalMs = 1000) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          this.inspect(await snapshot(this.cluster));
          this.samples++;
        } catch {
          /* the apiserver may be down on purpose: sample again later */
        }
        await sleep(this.intervalMs);
      }
    })();
  }

  private inspect(s: Snapshot): void {
    const byKey = new Map<string, string[]>();
    const podsByUid = new Map(s.pods.map((p) => [p.metadata.uid!, p]));
    for (const [host, list] of s.containers) {
      for (const c of list.filter((x) => x.running)) {
        const key = `${c.labels['orch.io/namespace']}/${c.labels['orch.io/pod']}/${c.labels['orch.io/container']} uid ${c.labels['orch.io/pod-uid']}`;
        byKey.set(key, [...(byKey.get(key) ?? []), `h${host}:${c.id.slice(0, 12)}`]);
        const pod = podsByUid.get(c.labels['orch.io/pod-uid']);
        if (pod?.spec.nodeName && pod.spec.nodeName !== nodeName(host)) this.note(`container ${c.id.slice(0, 12)} on h${host} for pod ${pod.metadata.name} bound to ${pod.spec.nodeName}`);
      }
    }
    for (const [key, ids] of byKey) if (ids.length > 1) this.note(`duplicate containers for ${key}: ${ids.join(', ')}`);
  }

  private note(v: string): void {
    if (!this.seen.includes(v)) this.seen.push(v);
  }

  async stop(): Promise<string[]> {
    this.running = false;
    await this.loop;
    return this.seen;
  }
}
