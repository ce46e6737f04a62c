// The pod condition `orch.io/ProxiesRouted` (pure; pod-status.ts calls it on every status
// it computes). controller/shared/objects.ts counts a pod whose condition is False as not
// available, so a rollout moves on only once every live proxy routes to its new pods.
//
//   Ready turns True and a Service selects the pod   → False, WaitingForProxies (in the
//                                                      same status update as Ready)
//   False, Ready still True, the routed gate done    → True, Routed (or Timeout, with the
//                                                      proxies that did not confirm)
//   protocol off (--proxy-drain-timeout 0)           → nothing is written; a False left
//                                                      from before turns True (Disabled)
// Each time Ready turns True again (a readiness flap) the wait starts over: proxies drop a
// not-ready endpoint and must add it back. Without a selecting Service, or for a pod that
// was Ready before (e.g. before an agent upgrade), nothing is added.

import { PROXIES_ROUTED_CONDITION } from '../../api/proxy-sync.js';
import type { PodCondition } from '../../api/types.js';

/** What the agent knows about routing to this pod (EndpointDrain.routedFact). */
export type RoutedFact =
  | { state: 'off' }
  /** selected: a Service selects the pod. routed/timeout: only for a pod whose condition is False and Ready. */
  | { state: 'waiting' | 'routed'; selected: boolean }
  | { state: 'timeout'; selected: boolean; message: string };

const isTrue = (conds: readonly PodCondition[] | undefined, type: string) => conds?.find((c) => c.type === type)?.status === 'True';

/** The ProxiesRouted condition the new status should carry (undefined: leave it as it is). */
export function routedCondition(fact: RoutedFact | undefined, oldConds: readonly PodCondition[] | undefined, newConds: readonly PodCondition[]): PodCondition | undefined {
  if (!fact) return undefined;
  const cur = oldConds?.find((c) => c.type === PROXIES_ROUTED_CONDITION);
  if (fact.state === 'off') return cur?.status === 'False' ? { type: PROXIES_ROUTED_CONDITION, status: 'True', reason: 'Disabled', message: 'the termination protocol is off on this node (--proxy-drain-timeout 0)' } : undefined;
  const nowReady = isTrue(newConds, 'Ready');
  if (nowReady && !isTrue(oldConds, 'Ready')) {
    return fact.selected ? { type: PROXIES_ROUTED_CONDITION, status: 'False', reason: 'WaitingForProxies', message: 'waiting until every live service proxy routes to the pod' } : undefined;
  }
  if (!nowReady || cur?.status !== 'False') return undefined;
  if (fact.state === 'routed') return { type: PROXIES_ROUTED_CONDITION, status: 'True', reason: 'Routed', message: 'every live service proxy routes to the pod' };
  if (fact.state === 'timeout') return { type: PROXIES_ROUTED_CONDITION, status: 'True', reason: 'Timeout', message: fact.message };
  return undefined;
}
