// The agent's prober: for every running app container with probes, one ProbeWorker per
// probe kind (probe-worker.ts), and the results the pod plan reads as facts (PodFacts.probes).
// Results belong to one container attempt (its Docker id): a restarted container starts
// fresh, not started and not ready.
//
// - update(key, pod, containers) runs at the start of every reconcile of the pod: workers
//   start for running attempts, stop for attempts that no longer run; what is remembered of
//   an attempt goes once Docker no longer lists it (or the pod left the node: prune()).
// - A result that matters to the plan or the status (readiness flips, liveness or startup
//   fails, startup succeeds) requeues the pod, so the status and the plan follow at once.
// - Events as the kubelet writes them: `Unhealthy` "Liveness probe failed: <output>" on
//   every failed liveness/startup run (at most failureThreshold per attempt); readiness
//   failures are rate-limited (readiness-events.ts) so a node full of unready pods does not
//   flood the API with Event writes.

import type { Container, Pod } from '../../api/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import type { HandlerResult } from '../handlers/handler-result.js';
import { LABEL_CONTAINER, SANDBOX_CONTAINER } from '../labels.js';
import type { ContainerRuntime, ContainerInfo } from '../runtime/types.js';
import type { ProbeMetrics } from './probe-metrics.js';
import { PROBE_KINDS, hasProbes, probeOf, probeSettings, probeTitle, type ProbeKind } from './probe-settings.js';
import { ProbeWorker } from './probe-worker.js';
import { ReadinessEvents } from './readiness-events.js';
import { prepareProbe } from './run-probe.js';

/** What the plan reads (PodFacts.probes). */
export interface ProbeFacts {
  /** Set once a liveness or startup probe of this attempt failed: it is to be killed and restarted. */
  failed(containerId: string): ProbeFailure | undefined;
  /** The readiness probe's result (false without one, and until the startup probe succeeded). */
  ready(containerId: string): boolean;
  /** The startup probe succeeded (false for unknown attempts). */
  started(containerId: string): boolean;
}

export interface ProbeFailure {
  probe: 'liveness' | 'startup';
  message: string;
  /** The probe's terminationGracePeriodSeconds, which wins over the pod's. */
  graceSeconds?: number;
}

export interface ProbeEvents {
  record(obj: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface ProbeManagerOptions {
  runtime: Pick<ContainerRuntime, 'exec'>;
  clock: Clock;
  logger: Logger;
  /** Look at the pod again (the agent's work queue). */
  requeue(podKey: string): void;
  events?: ProbeEvents;
  metrics?: ProbeMetrics;
  /** [0, 1): spreads first runs (injected for tests). */
  random?: () => number;
  /** Node IP, the address of hostNetwork pods. */
  hostIP?: () => string | undefined;
}

/** One container attempt's probes. */
interface Attempt {
  uid: string;
  key: string;
  pod: Pod;
  container: Container;
  id: string;
  podIP?: string;
  workers: Map<ProbeKind, ProbeWorker>;
  started: boolean;
  /** This attempt was ready (per the pod's status) before the agent restarted: readiness starts there. */
  wasReady?: boolean;
  failed?: ProbeFailure;
}

export class ProbeManager implements ProbeFacts {
  private readonly attempts = new Map<string, Attempt>();
  private readonly readinessEvents: ReadinessEvents;

  constructor(private readonly o: ProbeManagerOptions) {
    this.readinessEvents = new ReadinessEvents(o.clock);
  }

  failed(id: string): ProbeFailure | undefined {
    return this.attempts.get(id)?.failed;
  }

  ready(id: string): boolean {
    const a = this.attempts.get(id);
    if (!a || !a.started) return false;
    const w = a.workers.get('readiness');
    return w ? w.result === 'success' : !a.container.readinessProbe;
  }

  started(id: string): boolean {
    return this.attempts.get(id)?.started ?? false;
  }

  /** Workers running now (tests, metrics). */
  workerCount(): number {
    let n = 0;
    for (const a of this.attempts.values()) for (const w of a.workers.values()) if (!w.stopped) n++;
    return n;
  }

  /**
   * Brings the pod's workers in line with what Docker shows: `active` false (the pod is
   * terminating or finished) stops them all.
   */
  update(key: string, pod: Pod, containers: ContainerInfo[], active: boolean): void {
    const uid = pod.metadata.uid ?? '';
    const listed = new Set(containers.map((c) => c.id));
    const running = new Map<string, ContainerInfo>();
    if (active) for (const c of containers) if (c.state === 'running') running.set(c.id, c);
    for (const [id, a] of this.attempts) {
      if (a.uid !== uid) continue;
      if (!running.has(id)) this.stopWorkers(a);
      if (!listed.has(id)) this.attempts.delete(id);
      else a.pod = pod;
    }
    if (!active) return;
    const sandbox = containers.find((c) => c.labels[LABEL_CONTAINER] === SANDBOX_CONTAINER && c.state === 'running');
    const podIP = pod.spec.hostNetwork ? this.o.hostIP?.() : sandbox?.ipAddress || pod.status?.podIP;
    // Sidecars (init containers with restartPolicy Always) are probed like app containers.
    const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
    for (const spec of [...sidecars, ...pod.spec.containers]) {
      if (!hasProbes(spec)) continue;
      const cur = [...running.values()].find((c) => c.labels[LABEL_CONTAINER] === spec.name);
      if (!cur || this.attempts.has(cur.id)) continue;
      // An attempt this agent has no results for may have been probed by it before a restart:
      // the pod's status says how that went. Starting over from "not ready" would take every
      // endpoint of the node out of its Services at once on each agent restart.
      const before = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s) => s.containerID === `docker://${cur.id}`);
      const started = !spec.startupProbe || before?.started === true;
      this.startAttempt({ uid, key, pod, container: spec, id: cur.id, podIP, workers: new Map(), started, wasReady: started && before?.ready === true });
    }
  }

  /** Forgets every pod whose uid is not in `known` (the pods bound to this node). */
  prune(known: ReadonlySet<string | undefined>): void {
    for (const [id, a] of this.attempts) {
      if (known.has(a.uid)) continue;
      this.stopWorkers(a);
      this.attempts.delete(id);
    }
  }

  /** Stops every worker (the agent stops). */
  stop(): void {
    for (const a of this.attempts.values()) this.stopWorkers(a);
    this.attempts.clear();
  }

  private startAttempt(a: Attempt): void {
    this.attempts.set(a.id, a);
    const random = this.o.random ?? Math.random;
    for (const kind of PROBE_KINDS) {
      const probe = probeOf(a.container, kind);
      if (!probe) continue;
      const run = prepareProbe(this.o.runtime, probe, { containerId: a.id, container: a.container, podIP: a.podIP });
      const w = new ProbeWorker({
        kind,
        settings: probeSettings(probe),
        clock: this.o.clock,
        random,
        run,
        gate: kind === 'startup' ? undefined : () => a.started,
        initial: kind === 'readiness' && a.wasReady ? 'success' : kind === 'startup' && a.started ? 'success' : undefined,
        onRun: (worker, r, changed) => this.onRun(a, worker, r, changed),
      });
      a.workers.set(kind, w);
      w.start();
    }
    this.o.metrics?.setWorkers(this.workerCount());
  }

  private stopWorkers(a: Attempt): void {
    if (a.workers.size === 0) return;
    for (const w of a.workers.values()) w.stop();
    a.workers.clear();
    this.o.metrics?.setWorkers(this.workerCount());
  }

  private onRun(a: Attempt, w: ProbeWorker, r: HandlerResult, changed: boolean): void {
    const kind = w.kind;
    this.o.metrics?.probed(kind, r.ok);
    if (!r.ok) this.failureEvent(a, kind, r.message);
    if (!changed) return;
    const log = this.o.logger.child({ pod: a.key, container: a.container.name });
    if (kind === 'startup' && w.result === 'success') a.started = true;
    if ((kind === 'liveness' || kind === 'startup') && w.result === 'failure') {
      const grace = probeOf(a.container, kind)?.terminationGracePeriodSeconds;
      a.failed = { probe: kind, message: r.message, ...(grace === undefined ? {} : { graceSeconds: grace }) };
      log.info({ probe: kind, output: r.message }, 'probe failed; the container will be restarted');
    } else log.debug({ probe: kind, result: w.result }, 'probe result changed');
    this.o.requeue(a.key);
  }

  private failureEvent(a: Attempt, kind: ProbeKind, message: string): void {
    if (!this.o.events) return;
    if (kind === 'readiness' && !this.readinessEvents.allow(a.id)) return;
    // Command output usually ends with a newline: not part of the message (identical runs dedupe into one Event).
    this.o.events.record({ ...a.pod, apiVersion: 'v1', kind: 'Pod' }, 'Warning', 'Unhealthy', `${probeTitle(kind)} probe failed: ${message.trimEnd()}`);
  }
}
