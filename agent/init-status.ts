// The init-container parts of a pod's status (pod-status.ts), as the kubelet computes them:
// initContainerStatuses (a regular init container is ready once it exited 0), the
// Initialized condition, the phase (kubelet's getPhase, sidecars counted apart) and the
// sidecars that keep the pod from being Ready.

import type { ContainerStatus, Pod, PodCondition, PodPhase } from '../api/types.js';
import { isSidecar } from './init-plan.js';

const hasInit = (pod: Pod) => (pod.spec.initContainers ?? []).length > 0;

/** The waiting reason of a container not created yet (kubelet: PodInitializing in pods with init containers). */
export function defaultWaitingReason(pod: Pod): string {
  return hasInit(pod) ? 'PodInitializing' : 'ContainerCreating';
}

/** A regular init container is ready once it completed; a sidecar as any container. */
export function adjustInitStatus(pod: Pod, s: ContainerStatus): ContainerStatus {
  const spec = (pod.spec.initContainers ?? []).find((c) => c.name === s.name);
  if (isSidecar(spec)) return s;
  const done = s.state.terminated?.exitCode === 0;
  return { ...s, ready: done, started: !!s.state.running };
}

const started = (s: ContainerStatus | undefined) => !!s && (!!s.state.running || !!s.state.terminated || !!s.lastState.terminated);

/** kubelet's GeneratePodInitializedCondition. */
export function initializedCondition(pod: Pod, inits: ContainerStatus[], apps: ContainerStatus[]): PodCondition {
  if (!hasInit(pod)) return { type: 'Initialized', status: 'True' };
  // An app container ran: initialized before (a sidecar restarting does not undo it).
  if (apps.some(started)) return { type: 'Initialized', status: 'True' };
  const incomplete: string[] = [];
  for (const c of pod.spec.initContainers ?? []) {
    const s = inits.find((x) => x.name === c.name);
    const complete = isSidecar(c) ? !!s?.started : s?.state.terminated?.exitCode === 0;
    if (!complete) incomplete.push(c.name);
  }
  if (incomplete.length === 0) return { type: 'Initialized', status: 'True' };
  return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${incomplete.join(' ')}]` };
}

/** Sidecars that are not ready (they count for the pod's Ready condition, before the app containers). */
export function unreadySidecars(pod: Pod, inits: ContainerStatus[]): string[] {
  return (pod.spec.initContainers ?? []).filter(isSidecar).filter((c) => !inits.find((s) => s.name === c.name)?.ready).map((c) => c.name);
}

/** kubelet's getPhase (v1.32) over init and app container statuses. */
export function podPhase(pod: Pod, inits: ContainerStatus[], apps: ContainerStatus[]): PodPhase {
  let pendingInit = 0;
  let failedInit = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of pod.spec.initContainers ?? []) {
    const s = inits.find((x) => x.name === c.name);
    if (isSidecar(c)) {
      if (!s) continue;
      if (s.state.running) {
        if (!s.started) pendingInit++;
        running++;
      } else if (s.state.waiting && !s.lastState.terminated) pendingInit++;
      continue;
    }
    if (!s || s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.lastState.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  for (const s of apps) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState.terminated) {
      // Waiting to be restarted after it already ran.
      stopped++;
      if (s.lastState.terminated.exitCode === 0) succeeded++;
    } else waiting++;
  }
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if ((pendingInit > 0 && !apps.some(started)) || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}
