// How far a Deployment's rollout has come, judged exactly as `kubectl rollout status`
// judges it, plus the one-line summary `orch apply --wait` shows while waiting.

import type { Deployment } from '../api/types.js';

export type RolloutState =
  | { done: true; message: string }
  | { done: false; failed: true; message: string }
  | { done: false; failed: false; message: string };

export function rolloutState(d: Deployment): RolloutState {
  const name = d.metadata.name ?? '';
  const st = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (st.observedGeneration ?? 0)) {
    return { done: false, failed: false, message: 'Waiting for deployment spec update to be observed...' };
  }
  const progressing = st.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
  }
  const want = d.spec.replicas ?? 1;
  const updated = st.updatedReplicas ?? 0;
  const total = st.replicas ?? 0;
  const available = st.availableReplicas ?? 0;
  if (updated < want) {
    return { done: false, failed: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...` };
  }
  if (total > updated) {
    return { done: false, failed: false, message: `Waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination...` };
  }
  if (available < updated) {
    return { done: false, failed: false, message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...` };
  }
  return { done: true, message: `deployment "${name}" successfully rolled out` };
}

/** `web: 2/3 ready, 3/3 updated` — the compact progress line of `orch apply --wait`. */
export function progressLine(d: Deployment): string {
  const want = d.spec.replicas ?? 1;
  const st = d.status ?? {};
  return `${d.metadata.name}: ${st.readyReplicas ?? 0}/${want} ready, ${st.updatedReplicas ?? 0}/${want} updated, ${st.availableReplicas ?? 0}/${want} available`;
}
