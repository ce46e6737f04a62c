// The API half of `orch down --purge`: delete every Deployment, ReplicaSet and pod, and
// repeat until no pod is left (a controller may create one between two deletes). A pod
// on a node whose agent is there is deleted gracefully and that agent stops and removes
// its containers, then confirms; a pod on a node that cannot confirm (node-liveness.ts)
// is force-deleted at once (gracePeriodSeconds=0) instead of being waited for, and its
// containers are left to the caller (local-leftovers.ts). What happened to each pod is
// returned per node, so `orch down` can say it.

import type { KubeObject, Lease } from '../../api/types.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import { realClock, type Clock } from '../../foundation/clock.js';
import type { Client } from '../../client/types.js';
import { LEASE_NAMESPACE } from '../../agent/heartbeat.js';
import { nodeProblem, type LocalAgentState } from './node-liveness.js';

/** Grace given to pods of healthy nodes: `orch down` should not take their full 30 s. */
const PURGE_GRACE_SECONDS = 5;

export interface NodePurge {
  /** Why the node could not confirm deletions; undefined while its agent was there. */
  problem?: string;
  /** ns/name of pods its agent stopped, removed and confirmed. */
  byAgent: string[];
  /** ns/name of pods force-deleted from the API (their containers were not stopped by an agent). */
  forced: string[];
  /** Some were force-deleted because its agent did not confirm in time (it looked healthy). */
  timedOut?: boolean;
}

export interface PurgeReport {
  /** uid of kube-system: the `orch.io/cluster` label of this cluster's containers. */
  clusterId?: string;
  /** ns/name of the Deployments and ReplicaSets deleted. */
  deployments: Set<string>;
  replicasets: Set<string>;
  /** Per node name, in the order first seen. */
  nodes: Map<string, NodePurge>;
  /** Pods never bound to a node (nothing ran): deleted at once. */
  unscheduled: string[];
  /** Pods still in the API at the end (ns/name), by uid. */
  remaining: Map<string, string>;
}

export interface PurgeOptions {
  /** Fresh state of the agents `orch up` started, by node name (read every round). */
  localAgents: () => Map<string, LocalAgentState>;
  /** How long healthy agents get to confirm before their pods are force-deleted too. */
  waitMs?: number;
  clock?: Clock;
}

const keyOf = (p: KubeObject) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

export async function purgeWorkloads(client: Client, opts: PurgeOptions): Promise<PurgeReport> {
  const clock = opts.clock ?? realClock;
  const report: PurgeReport = { deployments: new Set(), replicasets: new Set(), nodes: new Map(), unscheduled: [], remaining: new Map() };
  report.clusterId = (await client.namespaces.get('kube-system')).metadata.uid;
  const nodeOf = (name: string) => {
    let n = report.nodes.get(name);
    if (!n) report.nodes.set(name, (n = { byAgent: [], forced: [] }));
    return n;
  };

  const waitUntil = clock.now() + (opts.waitMs ?? 60_000);
  // After the force-deletes nothing waits for an agent any more; this only bounds a
  // controller that keeps creating pods.
  const giveUpAt = waitUntil + 15_000;
  const seen = new Map<string, { key: string; node?: string }>();
  const forced = new Set<string>();
  for (;;) {
    // Both listed before either is deleted: the garbage collector removes a Deployment's
    // ReplicaSets on its own, and they count as deleted all the same.
    const deployments = (await client.deployments.list()).items;
    const replicasets = (await client.replicasets.list()).items;
    for (const d of deployments) {
      report.deployments.add(keyOf(d));
      await client.deployments.delete(d.metadata.name!, d.metadata.namespace).catch(ignoreGone);
    }
    for (const r of replicasets) {
      report.replicasets.add(keyOf(r));
      await client.replicasets.delete(r.metadata.name!, r.metadata.namespace).catch(ignoreGone);
    }

    const pods = (await client.pods.list()).items;
    const present = new Set(pods.map((p) => p.metadata.uid!));
    for (const [uid, s] of seen) {
      if (present.has(uid)) continue;
      seen.delete(uid);
      // Reported once gone, never on the strength of a DELETE alone.
      if (!s.node) report.unscheduled.push(s.key);
      else if (forced.has(uid)) nodeOf(s.node).forced.push(s.key);
      else nodeOf(s.node).byAgent.push(s.key);
    }
    // Every node is judged every round: an agent may die (or come back) during the purge.
    const now = clock.now();
    const nodes = (await client.nodes.list()).items;
    const facts = { nodes, leases: (await client.leases.list({ namespace: LEASE_NAMESPACE })).items as Lease[], localAgents: opts.localAgents(), nowMs: now };
    const problems = new Map<string, string | undefined>();
    for (const name of new Set([...nodes.map((n) => n.metadata.name!), ...pods.flatMap((p) => p.spec.nodeName ?? [])])) {
      const problem = nodeProblem(name, facts);
      problems.set(name, problem);
      const n = nodeOf(name);
      if (problem) n.problem ??= problem;
    }
    if (!pods.length || now > giveUpAt) {
      for (const p of pods) report.remaining.set(p.metadata.uid!, keyOf(p));
      break;
    }

    for (const pod of pods) {
      const uid = pod.metadata.uid!;
      const nodeName = pod.spec.nodeName;
      seen.set(uid, { key: keyOf(pod), node: nodeName });
      if (!nodeName) {
        // Unbound: the API removes it at once, no agent involved.
        await client.pods.delete(pod.metadata.name!, pod.metadata.namespace, { preconditions: { uid } }).catch(ignoreGone);
        continue;
      }
      const node = nodeOf(nodeName);
      if (problems.get(nodeName) || now > waitUntil) {
        if (!problems.get(nodeName)) node.timedOut = true;
        await client.pods.delete(pod.metadata.name!, pod.metadata.namespace, { gracePeriodSeconds: 0, preconditions: { uid } }).catch(ignoreGone);
        forced.add(uid);
      } else if (!pod.metadata.deletionTimestamp) {
        await client.pods.delete(pod.metadata.name!, pod.metadata.namespace, { gracePeriodSeconds: PURGE_GRACE_SECONDS, preconditions: { uid } }).catch(ignoreGone);
      }
    }
    await clock.sleep(500);
  }
  return report;
}

/** Gone already, or replaced by a new object of the same name (uid precondition): the next round sees it. */
function ignoreGone(err: unknown): void {
  if (!isNotFound(err) && !isConflict(err)) throw err;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What `orch down --purge` prints about the API side: one block per node, naming every pod. */
export function describePurge(r: PurgeReport, waitMs = 60_000): string[] {
  const lines = [`Deleted ${plural(r.deployments.size, 'Deployment')} and ${plural(r.replicasets.size, 'ReplicaSet')}; pods per node:`];
  for (const [name, n] of r.nodes) {
    lines.push(n.problem ? `Node ${name}: not responding (${n.problem}): not waiting for its agent` : `Node ${name}: Ready`);
    if (n.byAgent.length) lines.push(`  ${plural(n.byAgent.length, 'pod')} removed by its agent: ${n.byAgent.join(', ')}`);
    if (n.forced.length) {
      const why = n.timedOut && !n.problem ? `its agent did not confirm within ${Math.round(waitMs / 1000)}s` : 'no agent stopped their containers';
      lines.push(`  ${plural(n.forced.length, 'pod')} force-deleted from the API (${why}): ${n.forced.join(', ')}`);
    }
    if (!n.byAgent.length && !n.forced.length) lines.push('  no pods');
  }
  if (r.unscheduled.length) lines.push(`Not scheduled to any node, deleted: ${r.unscheduled.join(', ')}`);
  if (r.remaining.size) lines.push(`Still in the API after ${Math.round(waitMs / 1000) + 15}s (not deleted; their containers keep running): ${[...r.remaining.values()].join(', ')}`);
  return lines;
}
