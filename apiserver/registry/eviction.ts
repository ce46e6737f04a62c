// POST pods/{name}/eviction: a pod delete that respects PodDisruptionBudgets, as
// Kubernetes' EvictionREST. The budget is spent in one compare-and-swap on the budget's
// status (its check runs inside it, so of two racing evictions only as many pass as the
// budget allows), then the pod is deleted with the Eviction's DeleteOptions. What each
// step decides is api/strategies/eviction.ts.

import { isConflict, type Status } from '../../api/errors.js';
import { budgetCoversPod, isPodHealthy } from '../../api/disruption.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import { checkPreconditions, planDelete, type DeleteOptionsParsed } from '../../api/strategies/deletion.js';
import {
  budgetBeingProcessed,
  budgetRefusal,
  canIgnoreBudgets,
  checkEviction,
  deleteMustMatchVersion,
  evictionSucceeded,
  severalBudgets,
  spentBudget,
  unhealthyPodMayGo,
  withDisruptionTarget,
} from '../../api/strategies/eviction.js';
import { planUpdate } from '../../api/strategies/object-prep.js';
import { isoSeconds } from '../../api/time.js';
import type { Pod, PodDisruptionBudget } from '../../api/types.js';
import type { Query } from '../list-options.js';
import { parseDeleteOptions } from './delete-options.js';
import type { Store } from './store.js';

/** Kubernetes retries a conflicting budget-free delete this often (EvictionsRetry). */
const RETRIES = 20;

const pdbResource = (): ResourceInfo => findResource('policy', 'v1', 'poddisruptionbudgets')!;

function withVersion(opts: DeleteOptionsParsed, rv: string | undefined): DeleteOptionsParsed {
  return { ...opts, preconditions: { ...opts.preconditions, resourceVersion: rv } };
}

/**
 * Delete the pod (preconditions checked against the stored pod), marked DisruptionTarget
 * in the same write; dry run writes nothing.
 */
async function deletePod(store: Store, podRes: ResourceInfo, ns: string, name: string, opts: DeleteOptionsParsed, nowMs: number): Promise<void> {
  const unconditional = { ...opts, preconditions: undefined };
  await store.modify(
    podRes,
    ns,
    name,
    (current) => {
      checkPreconditions(podRes, current, opts);
      const marked = withDisruptionTarget(current, isoSeconds(nowMs));
      const plan = planDelete(podRes, marked, unconditional, nowMs);
      if (plan.action === 'remove') return undefined;
      return plan.action === 'update' ? plan.object : marked;
    },
    { dryRun: opts.dryRun },
  );
}

export async function evictPod(store: Store, podRes: ResourceInfo, ns: string, name: string, body: unknown, q: Query, nowMs: number): Promise<Status> {
  const eviction = checkEviction(body, name, ns);
  const opts = parseDeleteOptions(eviction.deleteOptions ?? undefined, q);
  const userVersion = opts.preconditions?.resourceVersion;

  // Pods no budget protects (finished, pending, already terminating) are deleted at
  // once; a conflict means the pod changed under us: look again, unless the caller
  // asked for a version (then the conflict is theirs).
  let pod!: Pod;
  for (let attempt = 0; ; attempt++) {
    pod = (await store.get(podRes, ns, name)) as Pod;
    if (!canIgnoreBudgets(pod)) break;
    const o = deleteMustMatchVersion(pod) && !userVersion ? withVersion(opts, pod.metadata.resourceVersion) : opts;
    try {
      await deletePod(store, podRes, ns, name, o, nowMs);
      return evictionSucceeded();
    } catch (err) {
      if (!isConflict(err) || userVersion || attempt + 1 >= RETRIES) throw err;
    }
  }

  const pdbRes = pdbResource();
  const budgets = ((await store.list(pdbRes, ns, { allowWatchBookmarks: false })).items as PodDisruptionBudget[]).filter((b) => budgetCoversPod(b, pod));
  if (budgets.length > 1) throw severalBudgets();
  let mustMatchVersion = false;
  const budget = budgets[0];
  if (budget) {
    if (unhealthyPodMayGo(pod, budget, isPodHealthy(pod))) {
      // Not counted as healthy, so nothing to spend; but it must still be unready when deleted.
      mustMatchVersion = true;
    } else {
      const now = isoSeconds(nowMs);
      await store.modify(
        pdbRes,
        ns,
        budget.metadata.name!,
        (current) => {
          const refusal = budgetRefusal(current as PodDisruptionBudget);
          if (refusal) throw refusal;
          const plan = planUpdate(pdbRes, current, spentBudget(current as PodDisruptionBudget, name, now), { subresource: 'status' });
          return plan.action === 'store' ? plan.object : current;
        },
        { dryRun: opts.dryRun },
      );
    }
  }

  const deleteOpts = mustMatchVersion && !userVersion ? withVersion(opts, pod.metadata.resourceVersion) : opts;
  try {
    await deletePod(store, podRes, ns, name, deleteOpts, nowMs);
  } catch (err) {
    // The unready pod changed (maybe turned Ready) since the budget was read: the client retries.
    if (isConflict(err) && mustMatchVersion && !userVersion) throw budgetBeingProcessed(budget!.metadata.name ?? '');
    throw err;
  }
  return evictionSucceeded();
}
