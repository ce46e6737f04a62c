// The pod row of `kubectl get pods`, computed as Kubernetes v1.32's printPod does:
// READY counts ready containers (and started restartable init containers) of all; STATUS
// is the phase, replaced by the first failing or waiting init container ("Init:..."),
// else by the reason of the last container that is waiting or terminated, "Completed"
// turning back into Running/NotReady while another container runs, and "Terminating"
// for a pod being deleted that has not finished; RESTARTS adds "(5m ago)" from the
// last termination. Wide columns: IP and NODE.

import type { Container, ContainerStatus, Pod, PodCondition } from '../types.js';
import { AGE, column, NAME, type KindTable } from './columns.js';
import { timestampAge } from './duration.js';

/** A sidecar: an init container that keeps running (restartPolicy Always). */
const restartable = (c: Container | undefined) => (c as { restartPolicy?: string } | undefined)?.restartPolicy === 'Always';
const conditionTrue = (conds: PodCondition[] | undefined, type: string) => conds?.some((c) => c.type === type && c.status === 'True') ?? false;
const later = (a: string | undefined, b: string | undefined) => (!a || (b !== undefined && Date.parse(b) > Date.parse(a)) ? b : a);

export interface PodSummary {
  ready: number;
  total: number;
  /** The STATUS column. */
  reason: string;
  restarts: number;
  /** When a container last terminated before its restart (RFC 3339), if any did. */
  lastRestart?: string;
}

export function podSummary(pod: Pod): PodSummary {
  const spec = pod.spec ?? ({ containers: [] } as Pod['spec']);
  const st = pod.status ?? {};
  const phase = st.phase ?? '';
  let reason: string = st.reason || phase;
  if (st.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';
  const inits = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  let total = (spec.containers ?? []).length + (spec.initContainers ?? []).filter(restartable).length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: string | undefined;
  let lastSidecarRestart: string | undefined;

  let initializing = false;
  const initStatuses = st.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    const sidecar = restartable(inits.get(c.name));
    restarts += c.restartCount ?? 0;
    lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
    if (sidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, c.lastState?.terminated?.finishedAt);
    }
    const term = c.state?.terminated;
    if (term && term.exitCode === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (term) reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(st.conditions, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses: ContainerStatus[] = st.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const term = c.state?.terminated;
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (term) reason = term.reason || (term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`);
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(st.conditions, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp && st.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  return { ready, total, reason, restarts, lastRestart };
}

export const podTable: KindTable = {
  columns: [NAME, column('Ready'), column('Status'), column('Restarts'), AGE, column('IP', 'string', { wide: true }), column('Node', 'string', { wide: true })],
  row(o, now) {
    const pod = o as Pod;
    const s = podSummary(pod);
    const restarts = s.restarts !== 0 && s.lastRestart ? `${s.restarts} (${timestampAge(s.lastRestart, now)} ago)` : String(s.restarts);
    const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>';
    return [pod.metadata.name ?? '', `${s.ready}/${s.total}`, s.reason, restarts, timestampAge(pod.metadata.creationTimestamp, now), ip, pod.spec?.nodeName || '<none>'];
  },
};
