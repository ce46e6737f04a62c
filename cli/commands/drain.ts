// `orch drain NODE`: cordon the node, then evict its pods (POST pods/{name}/eviction, which
// PodDisruptionBudgets may refuse with 429: retried every 5 s, as kubectl does) and wait
// until they are gone. kubectl's safety checks: pods without a controller need --force,
// pods with emptyDir data need --delete-emptydir-data, DaemonSet pods need
// --ignore-daemonsets (and stay); mirror pods and finished pods are no obstacle.
// A server without the eviction subresource (404 for it while the pod exists) gets a DELETE.

import { Command } from 'commander';
import { isNotFound, isTooManyRequests } from '../../api/errors.js';
import { resolveResourceName, resourcePath } from '../../api/resources.js';
import type { Pod } from '../../api/types.js';
import { parseDuration } from '../../foundation/duration.js';
import { cliContext, type CliContext } from '../context.js';
import { nodeTargets, setUnschedulable } from './cordon.js';

export interface DrainFlags {
  force?: boolean;
  ignoreDaemonsets?: boolean;
  deleteEmptydirData?: boolean;
  gracePeriod?: string;
  timeout: string;
  disableEviction?: boolean;
  selector?: string;
  podSelector?: string;
  dryRun?: string | boolean;
}

const MIRROR = 'kubernetes.io/config.mirror';
const podKey = (p: Pod) => `${p.metadata.namespace}/${p.metadata.name}`;
const finished = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** kubectl's pod filters: which pods to evict, which to skip (with a warning), and what blocks the drain. */
export function classifyPods(pods: Pod[], flags: Pick<DrainFlags, 'force' | 'ignoreDaemonsets' | 'deleteEmptydirData'>): { evict: Pod[]; warnings: string[]; errors: string[] } {
  const evict: Pod[] = [];
  const blocked = { unmanaged: [] as string[], daemonset: [] as string[], local: [] as string[] };
  const warned = { unmanaged: [] as string[], daemonset: [] as string[], local: [] as string[] };
  for (const p of pods) {
    if (p.metadata.annotations?.[MIRROR] !== undefined) continue;
    if (p.metadata.deletionTimestamp) {
      evict.push(p); // already going: just wait for it
      continue;
    }
    const owner = p.metadata.ownerReferences?.find((o) => o.controller);
    if (owner?.kind === 'DaemonSet' && !finished(p)) {
      (flags.ignoreDaemonsets ? warned : blocked).daemonset.push(podKey(p));
      continue;
    }
    let ok = true;
    if (!owner && !finished(p)) {
      if (flags.force) warned.unmanaged.push(podKey(p));
      else ok = !blocked.unmanaged.push(podKey(p));
    }
    if (!finished(p) && p.spec.volumes?.some((v) => v.emptyDir)) {
      if (flags.deleteEmptydirData) warned.local.push(podKey(p));
      else ok = !blocked.local.push(podKey(p));
    }
    if (ok) evict.push(p);
  }
  const errors: string[] = [];
  if (blocked.unmanaged.length) errors.push(`cannot delete Pods that declare no controller (use --force to override): ${blocked.unmanaged.join(', ')}`);
  if (blocked.daemonset.length) errors.push(`cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${blocked.daemonset.join(', ')}`);
  if (blocked.local.length) errors.push(`cannot delete Pods with local storage (use --delete-emptydir-data to override): ${blocked.local.join(', ')}`);
  const warnings: string[] = [];
  if (warned.daemonset.length) warnings.push(`ignoring DaemonSet-managed Pods: ${warned.daemonset.join(', ')}`);
  if (warned.unmanaged.length) warnings.push(`deleting Pods that declare no controller: ${warned.unmanaged.join(', ')}`);
  if (warned.local.length) warnings.push(`deleting Pods with local storage: ${warned.local.join(', ')}`);
  return { evict, warnings, errors };
}

type Removal = 'evicted' | 'deleted' | 'gone';

/** Evicts one pod, retrying while a disruption budget refuses; DELETE when eviction is not served. */
async function removePod(ctx: CliContext, p: Pod, flags: DrainFlags, deadline: number): Promise<Removal> {
  const ns = p.metadata.namespace!;
  const name = p.metadata.name!;
  const gracePeriodSeconds = flags.gracePeriod !== undefined && Number(flags.gracePeriod) >= 0 ? Number(flags.gracePeriod) : undefined;
  const del = async (): Promise<Removal> => {
    try {
      await ctx.client.pods.delete(name, ns, { gracePeriodSeconds, preconditions: { uid: p.metadata.uid } });
      return 'deleted';
    } catch (err) {
      if (isNotFound(err)) return 'gone';
      throw err;
    }
  };
  if (flags.disableEviction) return del();
  const path = resourcePath(resolveResourceName('pods')!, { namespace: ns, name, subresource: 'eviction' });
  const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns }, ...(gracePeriodSeconds !== undefined ? { deleteOptions: { gracePeriodSeconds } } : {}) };
  for (;;) {
    try {
      await ctx.client.request('POST', path, { body });
      return 'evicted';
    } catch (err) {
      if (isNotFound(err)) {
        // The pod is gone, or the server has no eviction subresource: tell them apart by the pod.
        try {
          await ctx.client.pods.get(name, ns);
        } catch (e) {
          if (isNotFound(e)) return 'gone';
          throw e;
        }
        return del();
      }
      if (!isTooManyRequests(err)) throw err;
      ctx.err(`error when evicting pods/"${name}" -n "${ns}" (will retry after 5s): ${(err as Error).message}`);
      if (Date.now() + 5000 > deadline) throw new Error(`global timeout reached: ${flags.timeout}`);
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

/** Until the pod (this uid) no longer exists. */
async function waitGone(ctx: CliContext, p: Pod, deadline: number, timeout: string): Promise<void> {
  for (;;) {
    try {
      const cur = await ctx.client.pods.get(p.metadata.name!, p.metadata.namespace);
      if (cur.metadata.uid !== p.metadata.uid) return;
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (Date.now() > deadline) throw new Error(`global timeout reached: ${timeout}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function drainNode(ctx: CliContext, node: string, f: DrainFlags): Promise<void> {
  const dry = f.dryRun !== undefined && f.dryRun !== false && f.dryRun !== 'none';
  const timeoutMs = f.timeout === '0' || f.timeout === '0s' ? Number.POSITIVE_INFINITY : parseDuration(f.timeout, '--timeout');
  const deadline = Date.now() + timeoutMs;
  const changed = await setUnschedulable(ctx, node, true, dry);
  ctx.out(`node/${node} ${changed ? 'cordoned' : 'already cordoned'}${dry ? ' (dry run)' : ''}`);
  const list = await ctx.client.pods.list({ fieldSelector: `spec.nodeName=${node}`, labelSelector: f.podSelector });
  const { evict, warnings, errors } = classifyPods(list.items, f);
  if (errors.length) throw new Error(`unable to drain node "${node}" due to error: ${errors.join(', ')}`);
  for (const w of warnings) ctx.err(`Warning: ${w}`);
  if (dry) {
    for (const p of evict) ctx.out(`evicting pod ${podKey(p)} (dry run)`);
    ctx.out(`node/${node} drained (dry run)`);
    return;
  }
  // All at once, each waiting for its own pod, as kubectl does.
  await Promise.all(
    evict.map(async (p) => {
      if (!f.disableEviction) ctx.out(`evicting pod ${podKey(p)}`);
      const how = await removePod(ctx, p, f, deadline);
      if (how !== 'gone') await waitGone(ctx, p, deadline, f.timeout);
      ctx.out(`pod/${p.metadata.name} ${how === 'deleted' ? 'deleted' : 'evicted'}`);
    }),
  );
  ctx.out(`node/${node} drained`);
}

export function drainCommand(): Command {
  return new Command('drain')
    .description('Prepare nodes for maintenance: cordon, then evict their pods (respecting disruption budgets) and wait until they are gone')
    .argument('[nodes...]', 'node names')
    .option('--force', 'also delete pods that no controller manages (they are not recreated)')
    .option('--ignore-daemonsets', 'leave DaemonSet-managed pods where they are')
    .option('--delete-emptydir-data', 'also evict pods with emptyDir volumes (their data is lost)')
    .option('--grace-period <seconds>', 'seconds each pod gets to stop (default: its own)')
    .option('--timeout <duration>', 'give up after this long (0: never)', '0')
    .option('--disable-eviction', 'DELETE pods instead of evicting them (bypasses disruption budgets)')
    .option('-l, --selector <selector>', 'the nodes with these labels')
    .option('--pod-selector <selector>', 'only the pods with these labels')
    .option('--dry-run [mode]', 'only say what would be evicted')
    .action(async (args: string[], f: DrainFlags, cmd: Command) => {
      if (f.gracePeriod !== undefined && !/^-?\d+$/.test(f.gracePeriod)) throw new Error(`--grace-period must be a whole number of seconds (got "${f.gracePeriod}")`);
      const ctx = cliContext(cmd);
      for (const t of await nodeTargets(ctx, args, f.selector, 'drain')) await drainNode(ctx, t.name, f);
    });
}
