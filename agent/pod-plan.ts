// What to do for one pod, decided without any I/O: planPod(facts) → the containers as the
// status will show them, and an ordered list of actions. pod-executor.ts performs the
// actions through the runtime and the API; pod-sync.ts gathers the facts (the pod from the
// cache, its containers from Docker, what the agent remembers) and returns the executor's
// result to the reconcile loop. Unit tests feed facts and compare actions, no Docker.
//
// The plan's phases, in order (kubelet's computePodActions has the same shape):
//   terminating pod  begin-termination → await-drain while the drain gate waits (every live
//                    proxy confirms the endpoint is out) → stop every running app container (grace) → once
//                    none runs: remove them, then the sandbox → confirm-deletion
//   running pod      ensure sandbox (sandbox-plan.ts: nothing | start a created one | back
//                    off | pull-image → write-volumes → create-sandbox → start-sandbox) → per spec
//                    container, in order: nothing | start a created one | stop to replace
//                    (spec changed, sandbox changed) | back off | start a new attempt
//                    (pull-image → write-volumes → create → start) → remove attempts no
//                    longer kept → update-status → refresh-volumes
// Init containers and sidecars are a phase between the sandbox and the app containers
// (init-plan.ts); app containers start once the pod is initialized. postStart/preStop hooks
// run inside the executor's start and stop (agent/lifecycle-hooks.ts); a postStart still
// running is a fact here (the container is not started yet). Probes (agent/probes) are
// facts: a liveness/startup failure stops the container with purpose 'restart' (then a
// restart through backoff), readiness feeds `ready` in update-status. Long actions (stop,
// pull, hooks) are never awaited by a worker: their completion requeues the pod.

import type { Container, Pod } from '../api/types.js';
import { LABEL_CONTAINER, LABEL_HASH, SANDBOX_CONTAINER, attemptOf } from './labels.js';
import type { PodNetworkState } from './network/pod-network-state.js';
import { containerHash } from './pod-to-container.js';
import type { ContainerObservation } from './pod-status.js';
import type { ProbeFacts } from './probes/probe-manager.js';
import type { ContainerInfo } from './runtime/types.js';
import { planSandbox, type PodNet } from './sandbox-plan.js';
import { containerStarted, planInit, stoppableNow } from './init-plan.js';

/** Everything the plan looks at. */
export interface PodFacts {
  pod: Pod;
  /** Every container Docker shows for the pod's uid, any state. */
  containers: ContainerInfo[];
  now: number;
  /** This uid's termination began earlier: a stale cache copy without deletionTimestamp must not revive it. */
  terminating: boolean;
  /** Stops in flight: container id → when its grace period ends (ms). */
  stopping: ReadonlyMap<string, number>;
  /** Containers the agent stopped in order to replace them (spec changed, network owner replaced). */
  replaced: ReadonlySet<string>;
  /** Restart backoff (the agent's memory, one answer per exit): ms after the exit before a restart. */
  restartDelayMs(container: string, exitedId: string, ranForMs: number): number;
  /** When configMap/secret volume files were last compared with the API (undefined: never). */
  volumesCheckedAt?: number;
  /** How often they are compared. */
  volumesRefreshMs: number;
  /** The node's pod network (sandboxes attach to it); undefined: Docker's default bridge. */
  network?: PodNetworkState;
  /**
   * A deleted pod: 'waiting' until every live proxy confirmed it sends no new connections
   * there (endpoint-drain/, bounded by --proxy-drain-timeout); undefined: protocol off.
   */
  drain?: 'waiting' | 'done';
  /** A postStart hook of this container is still running (agent/lifecycle-hooks.ts). */
  postStartRunning?(containerId: string): boolean;
  /** Probe results per container attempt (agent/probes); undefined: a running container is ready. */
  probes?: ProbeFacts;
}

/** Where a new container's network comes from: the pod's sandbox, or the host (hostNetwork). */
export type NetworkPlan = 'sandbox' | 'host';

export type Action =
  | { type: 'begin-termination'; graceSeconds: number }
  /** The drain gate holds the stops (endpoint-drain/): look again soon. */
  | { type: 'await-drain' }
  /** docker stop: SIGTERM, SIGKILL after the grace period. Tracked in flight; completion requeues the pod. */
  | { type: 'stop'; container: string; id: string; graceSeconds: number; purpose: 'delete' | 'replace' | 'restart'; why?: string }
  /** A stop of this container is in flight: look again when it ends. */
  | { type: 'await-stop'; container: string; id: string }
  | { type: 'remove'; id: string; container?: string }
  | { type: 'pull-image'; container: string }
  /** Fetch the pod's ConfigMaps/Secrets and write its volume directories (once per pass). */
  | { type: 'write-volumes'; container: string }
  | { type: 'create'; container: string; attempt: number; network: NetworkPlan }
  /** A new sandbox attempt (container SANDBOX_CONTAINER); changed: it replaces one that died. */
  | { type: 'create-sandbox'; container: string; attempt: number; changed: boolean }
  /** Start the sandbox just created, or the existing created one `id`. */
  | { type: 'start-sandbox'; container: string; id?: string }
  /** Start the container just created in this chain, or the existing created one `id`. */
  | { type: 'start'; container: string; id?: string }
  /** Restart backoff: the container waits (status CrashLoopBackOff); look again after waitMs. */
  | { type: 'back-off'; container: string; waitMs: number }
  | { type: 'update-status' }
  /** compare: read the objects and update changed files; false: only start the period (files are fresh). */
  | { type: 'refresh-volumes'; compare: boolean }
  /** Every container is gone: clean up and confirm the deletion to the API. */
  | { type: 'confirm-deletion' };

export interface PodPlan {
  /** One per spec container, in order: what the status shows unless an action's outcome changes it. */
  containers: ContainerObservation[];
  /** The same for spec.initContainers (init-plan.ts). */
  initContainers?: ContainerObservation[];
  /** The pod's current sandbox (its IPs are the pod's), as Docker showed it. */
  sandbox?: ContainerInfo;
  hostNetwork?: boolean;
  /** The probe results the status reads (ready, started), from the facts. */
  probes?: ProbeFacts;
  /**
   * In order. Actions naming a container form that container's chain: when one cannot go on
   * (image missing, config error, sandbox not running), the executor skips the rest of the
   * chain and the container waits with the reason. The sandbox's chain is SANDBOX_CONTAINER's.
   */
  actions: Action[];
}

export const DEFAULT_GRACE_SECONDS = 30;

/** Created but never started because start failed (bad command, bad mount): treat as exited. */
export function isFinished(c: ContainerInfo): boolean {
  return c.state === 'exited' || c.state === 'dead' || (c.state === 'created' && !!c.error);
}

/** Attempts per container name, newest first. */
export function attemptsByName(containers: ContainerInfo[]): Map<string, ContainerInfo[]> {
  const byName = new Map<string, ContainerInfo[]>();
  for (const c of containers) {
    const n = c.labels[LABEL_CONTAINER] ?? '';
    (byName.get(n) ?? byName.set(n, []).get(n)!).push(c);
  }
  for (const list of byName.values()) list.sort((a, b) => attemptOf(b.labels) - attemptOf(a.labels) || (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  return byName;
}

export function planPod(f: PodFacts): PodPlan {
  if (f.pod.metadata.deletionTimestamp || f.terminating) return planTermination(f);
  return planRunning(f);
}

function planTermination(f: PodFacts): PodPlan {
  const grace = f.pod.metadata.deletionGracePeriodSeconds ?? f.pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  const actions: Action[] = [];
  if (!f.terminating) actions.push({ type: 'begin-termination', graceSeconds: grace });
  // The sandbox goes last: app containers keep their network while they shut down.
  const isSandbox = (c: ContainerInfo) => c.labels[LABEL_CONTAINER] === SANDBOX_CONTAINER;
  const running = f.containers.filter((c) => c.state === 'running' && !isSandbox(c));
  // The termination protocol comes first: no stop (no preStop, no SIGTERM) while proxies may still send new connections here.
  if (running.length > 0 && f.drain === 'waiting') return { containers: [], actions: [...actions, { type: 'await-drain' }] };
  // App containers first, sidecars after them, last one first (init-plan.ts).
  for (const c of stoppableNow(f.pod, running)) {
    const container = c.labels[LABEL_CONTAINER] ?? '';
    const endsAt = f.stopping.get(c.id);
    // A stop in flight is left alone, unless the deletion asks for a shorter grace period
    // than it has (kubelet: a second delete with a smaller grace shortens the wait).
    if (endsAt === undefined || f.now + grace * 1000 < endsAt - 1000) actions.push({ type: 'stop', container, id: c.id, graceSeconds: grace, purpose: 'delete' });
    else actions.push({ type: 'await-stop', container, id: c.id });
  }
  if (running.length === 0) {
    for (const c of [...f.containers.filter((c) => !isSandbox(c)), ...f.containers.filter(isSandbox)]) actions.push({ type: 'remove', id: c.id });
    actions.push({ type: 'confirm-deletion' });
  }
  return { containers: [], actions };
}

function ms(t: string | undefined): number | undefined {
  return t ? Date.parse(t) : undefined;
}

function shouldRestart(pod: Pod, c: ContainerInfo): boolean {
  const policy = pod.spec.restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && (c.exitCode !== 0 || !!c.error));
}

function planRunning(f: PodFacts): PodPlan {
  const { pod } = f;
  const specs = pod.spec.containers;
  const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  const byName = attemptsByName(f.containers);
  const grace = pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  const observations: ContainerObservation[] = [];
  const actions: Action[] = [];
  const hostNetwork = pod.spec.hostNetwork === true;
  const sandbox = planSandbox({
    sandboxes: byName.get(SANDBOX_CONTAINER) ?? [],
    apps: f.containers.filter((c) => c.labels[LABEL_CONTAINER] !== SANDBOX_CONTAINER),
    hostNetwork,
    network: f.network,
    terminal,
    now: f.now,
    stopping: f.stopping,
    grace,
    delayMs: (exitedId, ranForMs) => f.restartDelayMs(SANDBOX_CONTAINER, exitedId, ranForMs),
    isFinished,
  });
  const keep = new Set<string>(sandbox.keep);
  actions.push(...sandbox.actions);
  const init = planInit({
    pod, byName, net: sandbox.net, terminal, stopping: f.stopping, grace, isFinished,
    started: (c) => containerStarted(f, c, (pod.spec.initContainers ?? []).find((s) => s.name === c.labels[LABEL_CONTAINER])),
    decide: (spec, cur, restartAlways) => decide(f, { spec, cur, net: sandbox.net, grace, terminal, restartAlways }),
    startChain: (spec, attempt) => startChain(spec, attempt, hostNetwork ? 'host' : 'sandbox'),
  });
  init.keep.forEach((id) => keep.add(id));
  actions.push(...init.actions);

  for (const spec of specs) {
    const attempts = byName.get(spec.name) ?? [];
    const cur: ContainerInfo | undefined = attempts[0];
    const prev = attempts.find((a) => a !== cur && isFinished(a));
    const obs: ContainerObservation = { container: spec, current: cur, previous: prev, restartCount: cur ? Math.max(0, attemptOf(cur.labels)) : 0 };
    observations.push(obs);
    if (cur) keep.add(cur.id);
    if (prev) keep.add(prev.id);
    const next = decide(f, { spec, cur, net: sandbox.net, grace, terminal });
    // Nothing new starts before the init containers are done (kubelet: PodInitializing).
    if (!init.initialized && next.startNew) Object.assign(next, { startNew: false, waiting: next.waiting ?? { reason: 'PodInitializing' } });
    if (cur?.state === 'running' && f.postStartRunning?.(cur.id)) obs.waiting = { reason: 'ContainerCreating' };
    if (next.waiting) obs.waiting = next.waiting;
    if (next.startNew) {
      actions.push(...newAttempt(next, cur, (attempt) => startChain(spec, attempt, hostNetwork ? 'host' : 'sandbox')));
      // The exited attempt becomes the previous one: the older previous goes once the new one
      // started (part of the chain: a new attempt that cannot start keeps both).
      if (cur && prev && isFinished(cur)) actions.push({ type: 'remove', id: prev.id, container: spec.name });
    }
    actions.push(...next.actions);
  }

  // Per container the current attempt and the last finished one stay (lastState, `logs
  // --previous`); everything else of this pod goes, including containers no longer in the spec.
  for (const c of f.containers) if (!keep.has(c.id)) actions.push({ type: 'remove', id: c.id });
  actions.push({ type: 'update-status' });
  if ((pod.spec.volumes ?? []).some((v) => v.configMap || v.secret || v.projected || v.downwardAPI)) {
    const last = f.volumesCheckedAt;
    if (last === undefined) actions.push({ type: 'refresh-volumes', compare: false });
    else if (f.now - last >= f.volumesRefreshMs) actions.push({ type: 'refresh-volumes', compare: true });
  }
  return { containers: observations, initContainers: init.observations, actions, sandbox: sandbox.current, hostNetwork, probes: f.probes };
}

interface Decision {
  actions: Action[];
  startNew?: boolean;
  /** The new attempt replaces this never-started one: removed first, its attempt number reused. */
  replaces?: ContainerInfo;
  waiting?: ContainerObservation['waiting'];
}

/** A created container joined to a sandbox other than the running (or starting) one. */
function joinsOtherSandbox(c: ContainerInfo, net: PodNet): boolean {
  if (!c.networkMode?.startsWith('container:')) return false;
  if (net.state === 'running') return c.networkMode !== net.mode;
  return !(net.state === 'starting' && net.id !== undefined && c.networkMode === `container:${net.id}`);
}

/** The first actions of a new attempt: the never-started container it replaces goes first (same name). */
export function newAttempt(d: { replaces?: ContainerInfo }, cur: ContainerInfo | undefined, chain: (attempt: number) => Action[]): Action[] {
  if (d.replaces) return [{ type: 'remove', id: d.replaces.id }, ...chain(Math.max(0, attemptOf(d.replaces.labels)))];
  return chain(cur ? Math.max(0, attemptOf(cur.labels)) + 1 : 0);
}

function decide(f: PodFacts, x: { spec: Container; cur: ContainerInfo | undefined; net: PodNet; grace: number; terminal: boolean; restartAlways?: boolean }): Decision {
  const { spec, cur } = x;
  const name = spec.name;
  if (x.terminal) return { actions: [] }; // a finished pod is never restarted
  if (cur && f.stopping.has(cur.id)) return { actions: [{ type: 'await-stop', container: name, id: cur.id }] };
  // A new attempt needs a sandbox to join.
  const startNew = (): Decision => (x.net.state === 'unavailable' ? { actions: [], waiting: { ...x.net.waiting } } : { actions: [], startNew: true });
  if (!cur) return startNew();
  if (cur.state === 'created' && !cur.error) {
    // Created to join a sandbox that is not the one to run (the executor creates app
    // containers while their sandbox starts; that start failed, or the agent stopped in
    // between): starting it would fail. Made again under the same name and attempt.
    if (joinsOtherSandbox(cur, x.net) && x.net.state !== 'unavailable') return { actions: [], startNew: true, replaces: cur };
    return { actions: [{ type: 'start', container: name, id: cur.id }] };
  }
  if (cur.state === 'running') {
    const stale = cur.labels[LABEL_HASH] !== containerHash(spec);
    // Not in the running sandbox's namespace (it died and is replaced, or the container
    // predates sandboxes): the container sits in a dead namespace and starts again in the new one.
    const lostNetwork = x.net.state !== 'running' || cur.networkMode !== x.net.mode;
    if (!stale && !lostNetwork) return { actions: probeRestart(f, name, cur.id, x.grace) };
    return { actions: [{ type: 'stop', container: name, id: cur.id, graceSeconds: x.grace, purpose: 'replace', why: stale ? 'spec changed' : 'sandbox changed' }] };
  }
  if (!isFinished(cur)) return { actions: [] }; // paused, restarting, removing: Docker is at it
  if (f.replaced.has(cur.id)) return startNew(); // we stopped it to replace it: no backoff, whatever the policy
  // Killed by its liveness/startup probe: restarted like a crash whatever its exit code (kubelet: unless restartPolicy Never).
  const probeKilled = !!f.probes?.failed(cur.id) && f.pod.spec.restartPolicy !== 'Never';
  if (!x.restartAlways && !shouldRestart(f.pod, cur) && !probeKilled) return { actions: [] };
  const exitAt = ms(cur.finishedAt) ?? ms(cur.createdAt) ?? 0;
  const ranFor = exitAt - (ms(cur.startedAt) ?? exitAt);
  const delay = f.restartDelayMs(name, cur.id, ranFor);
  const wait = Math.max(0, exitAt + delay - f.now);
  if (wait === 0) return startNew();
  const pod = f.pod;
  return {
    actions: [{ type: 'back-off', container: name, waitMs: wait }],
    waiting: {
      reason: 'CrashLoopBackOff',
      message: `back-off ${Math.ceil(delay / 1000)}s restarting failed container=${name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid ?? ''})`,
    },
  };
}

/** A running attempt whose liveness or startup probe failed is stopped to be restarted (probe-level grace wins). */
function probeRestart(f: PodFacts, container: string, id: string, grace: number): Action[] {
  const failed = f.probes?.failed(id);
  if (!failed) return [];
  return [{ type: 'stop', container, id, graceSeconds: failed.graceSeconds ?? grace, purpose: 'restart', why: `${failed.probe} probe failed` }];
}

function startChain(spec: Container, attempt: number, network: NetworkPlan): Action[] {
  const container = spec.name;
  return [
    { type: 'pull-image', container },
    { type: 'write-volumes', container },
    { type: 'create', container, attempt, network },
    { type: 'start', container },
  ];
}
