// The init phase of a pod's plan (pod-plan.ts), pure like the rest of it, with the
// kubelet's semantics (computeInitContainerActions, sidecars included):
//   - spec.initContainers run one at a time, in order, each joining the pod's sandbox like
//     the app containers; a regular one must exit 0 before the next starts;
//   - a failing regular one is restarted per the pod's restartPolicy (with restart backoff);
//     with Never the pod fails and nothing else starts;
//   - a sidecar (an init container with restartPolicy Always) lets the next one start as
//     soon as it has *started* (running, startup probe passed, postStart finished), and is
//     restarted whenever it exits, whatever the pod's restartPolicy;
//   - once the pod is initialized in its current sandbox (every regular one exited 0 there,
//     or an app container already ran there: kubelet's HasAnyRegularContainerStarted), the
//     regular ones never run again; a new sandbox (SandboxChanged) runs them all again;
//   - when the app containers are done for good (restartPolicy not Always), the pod is
//     terminal, or initialization failed, the sidecars are stopped, last one first.
// Termination order (planTermination): app containers first, then the sidecars in reverse.

import type { Container, Pod } from '../api/types.js';
import { LABEL_CONTAINER } from './labels.js';
import type { Action } from './pod-plan.js';
import type { ContainerObservation } from './pod-status.js';
import type { ProbeFacts } from './probes/probe-manager.js';
import type { ContainerInfo } from './runtime/types.js';
import type { PodNet } from './sandbox-plan.js';

/** An init container that keeps running beside the app containers. */
export function isSidecar(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

/**
 * kubelet's `started`: running, its postStart hook finished, and its startup probe passed
 * (`probes` is the probe results fact, PodFacts.probes, where the agent has one).
 */
export function containerStarted(f: { postStartRunning?(id: string): boolean; probes?: Pick<ProbeFacts, 'started'> }, c: ContainerInfo, spec?: Container): boolean {
  if (c.state !== 'running' || f.postStartRunning?.(c.id)) return false;
  // Without a startup probe a running container has started (the prober only tracks probed ones).
  return !spec?.startupProbe || !f.probes || f.probes.started(c.id);
}

/** What pod-plan.ts decided for one container (its `decide`). */
export interface ContainerDecision {
  actions: Action[];
  startNew?: boolean;
  /** The new attempt replaces this never-started one (pod-plan.ts): removed first, its attempt reused. */
  replaces?: ContainerInfo;
  waiting?: ContainerObservation['waiting'];
}

export interface InitFacts {
  pod: Pod;
  /** Attempts per container name, newest first (pod-plan.ts attemptsByName). */
  byName: Map<string, ContainerInfo[]>;
  net: PodNet;
  /** The pod reached Succeeded/Failed. */
  terminal: boolean;
  stopping: ReadonlyMap<string, number>;
  grace: number;
  /** kubelet's `started`: running, startup probe passed (if any), postStart finished. */
  started(c: ContainerInfo): boolean;
  isFinished(c: ContainerInfo): boolean;
  /** pod-plan.ts' decision for one container; restartAlways for sidecars. */
  decide(spec: Container, cur: ContainerInfo | undefined, restartAlways: boolean): ContainerDecision;
  /** The actions that start a new attempt of the container. */
  startChain(spec: Container, attempt: number): Action[];
}

export interface InitPlan {
  /** One per init container, in spec order. */
  observations: ContainerObservation[];
  actions: Action[];
  /** Container ids of init containers to keep (current and previous attempt). */
  keep: string[];
  /** App containers may start: the pod is initialized in its current sandbox. */
  initialized: boolean;
  /** A regular init container failed and will not be retried (restartPolicy Never): the pod fails. */
  failed: boolean;
}

const attemptOf = (c: ContainerInfo) => Math.max(0, Number(c.labels['orch.io/attempt'] ?? 0) || 0);

function inNet(net: PodNet, c: ContainerInfo | undefined): boolean {
  return !!c && net.state === 'running' && c.networkMode === net.mode;
}

/** Exited 0 (and not a start failure). */
function succeeded(c: ContainerInfo, isFinished: (c: ContainerInfo) => boolean): boolean {
  return isFinished(c) && c.exitCode === 0 && !c.error;
}

export function planInit(f: InitFacts): InitPlan {
  const specs = f.pod.spec.initContainers ?? [];
  const plan: InitPlan = { observations: [], actions: [], keep: [], initialized: true, failed: false };
  if (specs.length === 0) return plan;
  const policy = f.pod.spec.restartPolicy ?? 'Always';
  const apps = f.pod.spec.containers.flatMap((c) => f.byName.get(c.name) ?? []);
  // An app container already ran in this sandbox: initialization happened here before.
  const appStarted = apps.some((c) => inNet(f.net, c) && (c.state === 'running' || (f.isFinished(c) && !c.error)));
  const obsOf = new Map<string, ContainerObservation>();
  for (const spec of specs) {
    const attempts = f.byName.get(spec.name) ?? [];
    const cur: ContainerInfo | undefined = attempts[0];
    const prev = attempts.find((a) => a !== cur && f.isFinished(a));
    const obs: ContainerObservation = { container: spec, current: cur, previous: prev, restartCount: cur ? attemptOf(cur) : 0 };
    plan.observations.push(obs);
    obsOf.set(spec.name, obs);
    if (cur) plan.keep.push(cur.id);
    if (prev) plan.keep.push(prev.id);
  }

  // Regular init containers, in order, until one is not done (kubelet: one at a time).
  let blocked = false;
  for (const spec of specs) {
    const obs = obsOf.get(spec.name)!;
    const cur = obs.current;
    if (blocked) {
      if (!cur || !inNet(f.net, cur)) obs.waiting = { reason: 'PodInitializing' };
      continue;
    }
    if (isSidecar(spec)) {
      if (appStarted || f.terminal) continue; // handled below with the other running sidecars
      apply(plan, obs, f.decide(spec, cur, true), f, spec);
      if (!(cur && inNet(f.net, cur) && f.started(cur))) blocked = true;
      continue;
    }
    if (appStarted || f.terminal) continue; // initialized earlier: regular ones never run again
    if (cur && succeeded(cur, f.isFinished) && inNet(f.net, cur)) continue;
    blocked = true;
    if (cur && succeeded(cur, f.isFinished)) {
      // It completed in a sandbox that is gone: the new sandbox runs it again, without backoff.
      if (f.net.state === 'unavailable') obs.waiting = { ...f.net.waiting };
      else plan.actions.push(...f.startChain(spec, attemptOf(cur) + 1));
      continue;
    }
    const d = f.decide(spec, cur, false);
    if (cur && f.isFinished(cur) && policy === 'Never' && !d.startNew && d.actions.length === 0) {
      plan.failed = true;
      continue;
    }
    // Restarted at once: the failure shows first (Init:Error), as the kubelet writes the
    // status it found before acting on it. (While backing off, CrashLoopBackOff shows.)
    if (cur && f.isFinished(cur) && d.startNew) plan.actions.push({ type: 'update-status' });
    apply(plan, obs, d, f, spec);
  }
  plan.initialized = appStarted || (!blocked && !plan.failed && !f.terminal);

  // Sidecars once the pod is initialized: kept running, or stopped when the pod is done.
  const sidecars = specs.filter(isSidecar);
  const appsDone = plan.initialized && appsFinishedForGood(f, policy);
  const stopAll = f.terminal || plan.failed || appsDone;
  if (appStarted || stopAll) {
    for (let i = sidecars.length - 1; i >= 0; i--) {
      const spec = sidecars[i]!;
      const obs = obsOf.get(spec.name)!;
      const cur = obs.current;
      if (!stopAll) {
        apply(plan, obs, f.decide(spec, cur, true), f, spec);
        continue;
      }
      if (!cur || cur.state !== 'running') continue;
      if (f.stopping.has(cur.id)) {
        plan.actions.push({ type: 'await-stop', container: spec.name, id: cur.id });
        continue;
      }
      // Last one first: a sidecar stops once no app container and no later sidecar runs.
      const later = sidecars.slice(i + 1).some((s) => obsOf.get(s.name)!.current?.state === 'running');
      const appRuns = apps.some((c) => c.state === 'running');
      if (!later && !appRuns) plan.actions.push({ type: 'stop', container: spec.name, id: cur.id, graceSeconds: f.grace, purpose: 'delete', why: 'pod finished' });
    }
  }
  return plan;
}

function apply(plan: InitPlan, obs: ContainerObservation, d: ContainerDecision, f: InitFacts, spec: Container): void {
  if (d.waiting) obs.waiting = d.waiting;
  if (d.replaces) plan.actions.push({ type: 'remove', id: d.replaces.id }, ...f.startChain(spec, attemptOf(d.replaces)));
  else if (d.startNew) {
    const cur = obs.current;
    plan.actions.push(...f.startChain(spec, cur ? attemptOf(cur) + 1 : 0));
    // The exited attempt becomes the previous one; the older previous goes once the new one started.
    if (cur && obs.previous && f.isFinished(cur)) plan.actions.push({ type: 'remove', id: obs.previous.id, container: spec.name });
  }
  plan.actions.push(...d.actions);
}

/** Every app container finished and will not be restarted (restartPolicy Never / OnFailure). */
function appsFinishedForGood(f: InitFacts, policy: string): boolean {
  if (policy === 'Always') return false;
  return f.pod.spec.containers.every((spec) => {
    const cur = f.byName.get(spec.name)?.[0];
    if (!cur || !f.isFinished(cur)) return false;
    return policy === 'Never' || (cur.exitCode === 0 && !cur.error);
  });
}

/**
 * Which of a terminating pod's running containers to stop now: the app containers (and
 * regular init containers) at once; a sidecar only once none of those runs and no sidecar
 * after it in the spec runs (kubelet: sidecars stop after the app, in reverse order).
 */
export function stoppableNow(pod: Pod, running: ContainerInfo[]): ContainerInfo[] {
  const sidecars = (pod.spec.initContainers ?? []).filter(isSidecar).map((c) => c.name);
  const nameOf = (c: ContainerInfo) => c.labels[LABEL_CONTAINER] ?? '';
  const others = running.filter((c) => !sidecars.includes(nameOf(c)));
  if (others.length > 0) return others;
  const runningSidecars = running.map((c) => sidecars.indexOf(nameOf(c)));
  const last = Math.max(...runningSidecars);
  return running.filter((c) => sidecars.indexOf(nameOf(c)) === last);
}
