// Pure computation of a pod's status from what Docker shows. The sync loop gathers the
// observations (containers found by label, waiting reasons it decided) and writes the
// result only when it differs from the stored status.

import type { Container, ContainerState, ContainerStateTerminated, ContainerStatus, Pod, PodCondition, PodPhase, PodStatus } from '../api/types.js';
import { adjustInitStatus, defaultWaitingReason, initializedCondition, podPhase as phaseOf, unreadySidecars } from './init-status.js';
import type { ProbeFacts } from './probes/probe-manager.js';
import type { ContainerInfo } from './runtime/types.js';
import { routedCondition, type RoutedFact } from './endpoint-drain/routed-condition.js';

export interface ContainerObservation {
  container: Container;
  /** The newest attempt, in any state. */
  current?: ContainerInfo;
  /** The newest exited attempt older than current. */
  previous?: ContainerInfo;
  /** Number of attempts before the current one. */
  restartCount: number;
  /** Set by the sync loop: the container is not running for this reason (overrides current's state). */
  waiting?: { reason: string; message?: string };
}

export interface StatusInput {
  pod: Pod;
  observations: ContainerObservation[];
  /** The same for spec.initContainers. */
  initObservations?: ContainerObservation[];
  hostIP?: string;
  /** The sandbox's addresses (IPv4 first), or the node IP for hostNetwork pods; empty while none. */
  podIPs?: string[];
  /** ISO time used for new conditions and startTime. */
  now: string;
  /** What decides the orch.io/ProxiesRouted condition (endpoint-drain/routed-condition.ts); undefined: left as it is. */
  routed?: RoutedFact;
  /** Readiness and startup probe results; undefined: a running container is started and ready. */
  probes?: Pick<ProbeFacts, 'ready' | 'started'>;
}

export function terminatedState(c: ContainerInfo): ContainerStateTerminated {
  const exitCode = c.exitCode ?? 0;
  const t: ContainerStateTerminated = {
    exitCode,
    reason: c.oomKilled ? 'OOMKilled' : c.error ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error',
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    containerID: `docker://${c.id}`,
  };
  if (c.error) t.message = c.error;
  // 128+n exit codes are deaths by signal n, as Docker reports them.
  if (exitCode > 128 && exitCode < 160) t.signal = exitCode - 128;
  return t;
}

function isExited(c: ContainerInfo | undefined): c is ContainerInfo {
  return !!c && (c.state === 'exited' || c.state === 'dead');
}

function containerStatus(o: ContainerObservation, probes: StatusInput['probes'], notCreated = 'ContainerCreating'): ContainerStatus {
  const cur = o.current;
  let state: ContainerState;
  let lastState: ContainerState = o.previous ? { terminated: terminatedState(o.previous) } : {};
  if (o.waiting) {
    state = { waiting: { ...o.waiting } };
    if (isExited(cur)) lastState = { terminated: terminatedState(cur) };
  } else if (!cur) {
    state = { waiting: { reason: notCreated } };
  } else if (cur.state === 'running' || cur.state === 'paused' || cur.state === 'restarting') {
    state = { running: { startedAt: cur.startedAt } };
  } else if (isExited(cur)) {
    state = { terminated: terminatedState(cur) };
  } else {
    state = { waiting: { reason: 'ContainerCreating' } };
  }
  for (const s of [state.waiting, lastState.waiting]) if (s && s.message === undefined) delete s.message;
  const running = !!state.running;
  // Without a startup probe a running container has started; without a readiness probe a started one is ready.
  const probed = (has: unknown, result: (id: string) => boolean) => !has || !probes || !cur || result(cur.id);
  const started = running && probed(o.container.startupProbe, (id) => probes!.started(id));
  const st: ContainerStatus = {
    name: o.container.name,
    state,
    lastState,
    ready: started && probed(o.container.readinessProbe, (id) => probes!.ready(id)),
    started,
    restartCount: o.restartCount,
    image: o.container.image,
    imageID: cur?.imageId ? `docker://${cur.imageId}` : '',
  };
  if (cur) st.containerID = `docker://${cur.id}`;
  return st;
}

/** Kubernetes' phase rules over the container statuses (kubelet's getPhase; init-status.ts). */
export function podPhase(pod: Pod, statuses: ContainerStatus[], initStatuses: ContainerStatus[] = []): PodPhase {
  return phaseOf(pod, initStatuses, statuses);
}

export function computePodStatus(input: StatusInput): PodStatus {
  const { pod, now } = input;
  const old = pod.status ?? {};
  const notCreated = defaultWaitingReason(pod);
  const containerStatuses = input.observations.map((o) => containerStatus(o, input.probes, notCreated));
  const initStatuses = (input.initObservations ?? []).map((o) => adjustInitStatus(pod, containerStatus(o, input.probes, notCreated)));
  let phase = podPhase(pod, containerStatuses, initStatuses);
  // Terminal phases never go back (Kubernetes guarantees it).
  if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase;
  const unready = [...unreadySidecars(pod, initStatuses), ...containerStatuses.filter((s) => !s.ready).map((s) => s.name)];
  const ready: PodCondition =
    unready.length === 0
      ? { type: 'Ready', status: 'True' }
      : phase === 'Succeeded' || phase === 'Failed'
        ? { type: 'Ready', status: 'False', reason: 'PodCompleted' }
        : { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
  let conds = old.conditions ? old.conditions.map((c) => ({ ...c })) : [];
  conds = setCondition(conds, keep(conds, { type: 'PodScheduled', status: 'True' }), now);
  const initialized = initializedCondition(pod, initStatuses, containerStatuses);
  conds = setCondition(conds, initialized.status === 'True' ? keep(conds, initialized) : initialized, now);
  conds = setCondition(conds, { ...ready, type: 'ContainersReady' }, now);
  conds = setCondition(conds, ready, now);
  const routed = routedCondition(input.routed, old.conditions, conds);
  if (routed) conds = setCondition(conds, routed, now);
  const order = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'];
  conds.sort((a, b) => rank(order, a.type) - rank(order, b.type));
  const status: PodStatus = {
    ...old,
    phase,
    conditions: conds,
    hostIP: input.hostIP ?? old.hostIP,
    startTime: old.startTime ?? now,
    containerStatuses,
  };
  if (initStatuses.length > 0) status.initContainerStatuses = initStatuses;
  else delete status.initContainerStatuses;
  // Without a running sandbox the last known IPs stay (a finished pod, a sandbox being replaced).
  if (input.podIPs?.length) {
    status.podIP = input.podIPs[0];
    status.podIPs = input.podIPs.map((ip) => ({ ip }));
  }
  delete status.reason;
  delete status.message;
  if (status.hostIP === undefined) delete status.hostIP;
  return status;
}

/** A condition is replaced wholesale by setCondition; keep fields another writer set (e.g. reason). */
function keep(conds: PodCondition[], c: PodCondition): PodCondition {
  const prev = conds.find((x) => x.type === c.type);
  return prev && prev.status === c.status ? { ...prev } : c;
}

/** Sets a condition; lastTransitionTime moves only when the status changes. */
function setCondition(conds: PodCondition[], c: PodCondition, now: string): PodCondition[] {
  const prev = conds.find((x) => x.type === c.type);
  const next: PodCondition = { ...c, lastTransitionTime: prev && prev.status === c.status ? (prev.lastTransitionTime ?? now) : now };
  if (next.reason === undefined) delete next.reason;
  if (next.message === undefined) delete next.message;
  return prev ? conds.map((x) => (x === prev ? next : x)) : [...conds, next];
}

function rank(order: string[], t: string): number {
  const i = order.indexOf(t);
  return i < 0 ? order.length : i;
}
