// `orch rollout status|history|undo ds/NAME` (history, undo and the watch loop shared with
// StatefulSets: cli/rollout-statefulset.ts), judged and done exactly as kubectl's
// DaemonSet status viewer, history viewer and rollbacker: status from the DaemonSet's
// counters (RollingUpdate only), history from the ControllerRevisions it controls,
// undo by applying a revision's data (a strategic merge patch that replaces the template).

import type { ControllerRevision, DaemonSet } from '../api/daemonset-types.js';
import { deepEqual } from '../api/meta.js';
import { applyStrategicMergePatch } from '../api/patch/strategic-merge.js';
import { labelSelectorToString } from '../api/selectors/labels.js';
import type { Client } from '../client/types.js';
import type { KubeObject, LabelSelector } from '../api/types.js';
import type { RolloutState } from './rollout-progress.js';

export function daemonSetRolloutState(ds: DaemonSet): RolloutState {
  const name = ds.metadata.name ?? '';
  if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    return { done: false, failed: true, message: 'rollout status is only available for RollingUpdate strategy type' };
  }
  const s = ds.status;
  if ((ds.metadata.generation ?? 0) > (s?.observedGeneration ?? 0)) return { done: false, failed: false, message: 'Waiting for daemon set spec update to be observed...' };
  const desired = s?.desiredNumberScheduled ?? 0;
  const updated = s?.updatedNumberScheduled ?? 0;
  const available = s?.numberAvailable ?? 0;
  if (updated < desired) return { done: false, failed: false, message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...` };
  if (available < desired) return { done: false, failed: false, message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...` };
  return { done: true, message: `daemon set "${name}" successfully rolled out` };
}

const daemonSets = (c: Client) => c.resource<DaemonSet>('daemonsets');

/** Follows the DaemonSet through the watch API until rolled out; prints each new message. */
export function waitForDaemonSet(client: Client, namespace: string, name: string, timeoutMs: number, write: (line: string) => void): Promise<{ ok: boolean; message: string }> {
  return waitForRollout<DaemonSet>(client, 'daemonsets', `daemon set "${name}"`, namespace, name, timeoutMs, write, daemonSetRolloutState);
}

/** Follows an object of `plural` through the watch API until `judge` says done or failed (shared with StatefulSets). */
export async function waitForRollout<T extends KubeObject>(
  client: Client,
  plural: string,
  what: string,
  namespace: string,
  name: string,
  timeoutMs: number,
  write: (line: string) => void,
  state: (o: T) => RolloutState,
): Promise<{ ok: boolean; message: string }> {
  const rc = client.resource<T>(plural);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let last = '';
  const judge = (o: T) => {
    const s = state(o);
    if (s.message !== last && !s.done && !s.failed) write(`${s.message}\n`);
    last = s.message;
    return s.done || s.failed ? s : undefined;
  };
  try {
    while (!abort.signal.aborted) {
      const obj = await rc.get(name, namespace);
      const first = judge(obj);
      if (first) return { ok: first.done, message: first.message };
      const w = rc.watch({ namespace, fieldSelector: `metadata.name=${name}`, resourceVersion: obj.metadata.resourceVersion });
      const stop = () => w.stop();
      abort.signal.addEventListener('abort', stop, { once: true });
      try {
        for await (const ev of w) {
          if (ev.type === 'DELETED') return { ok: false, message: `${what} was deleted` };
          if (ev.type === 'ERROR') break;
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
            const r = judge(ev.object);
            if (r) return { ok: r.done, message: r.message };
          }
        }
      } finally {
        abort.signal.removeEventListener('abort', stop);
        w.stop();
      }
    }
    return { ok: false, message: `timed out waiting for the condition` };
  } finally {
    clearTimeout(timer);
  }
}

/** The revisions an object (DaemonSet, StatefulSet) controls, oldest first (kubectl's controlledHistories). */
export async function daemonSetRevisions(client: Client, ds: KubeObject & { spec: { selector: LabelSelector } }): Promise<ControllerRevision[]> {
  const list = await client.resource<ControllerRevision>('controllerrevisions').list({ namespace: ds.metadata.namespace, labelSelector: labelSelectorToString(ds.spec.selector) });
  return list.items.filter((r) => r.metadata.ownerReferences?.some((o) => o.controller && o.uid === ds.metadata.uid)).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
}

export async function daemonSetHistory(client: Client, namespace: string, name: string, plural = 'daemonsets'): Promise<string[][]> {
  const ds = await client.resource<DaemonSet>(plural).get(name, namespace);
  const revs = await daemonSetRevisions(client, ds);
  return revs.map((r) => [String(r.revision ?? 0), r.metadata.annotations?.['kubernetes.io/change-cause'] ?? '<none>']);
}

/** Applies the wanted revision's data (default: the previous one); says what happened, as kubectl does. */
export async function undoDaemonSet(client: Client, namespace: string, name: string, toRevision?: number, plural = 'daemonsets', kind = 'daemonset'): Promise<string> {
  const rc = client.resource<DaemonSet>(plural);
  const ds = await rc.get(name, namespace);
  const revs = await daemonSetRevisions(client, ds);
  const current = Math.max(0, ...revs.map((r) => r.revision ?? 0));
  const wanted = toRevision ?? Math.max(0, ...revs.map((r) => r.revision ?? 0).filter((n) => n !== current));
  const target = revs.find((r) => r.revision === wanted);
  if (!target || !wanted) throw new Error(toRevision ? `unable to find specified revision ${toRevision} in history` : `no rollout history found for ${kind} "${name}"`);
  const patched = applyStrategicMergePatch(JSON.parse(JSON.stringify(ds)) as Record<string, unknown>, target.data) as unknown as DaemonSet;
  if (deepEqual(patched.spec.template, ds.spec.template)) return `${kind}.apps/${name} skipped rollback (current template already matches revision ${wanted})`;
  await rc.patch(name, namespace, target.data, 'strategic');
  return `${kind}.apps/${name} rolled back`;
}
