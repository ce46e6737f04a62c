// The agent's own metrics, in the process's registry (foundation/metrics.ts). Kubelet's
// names where the kubelet has the metric, so node dashboards carry over; orch_agent_* for
// the rest (docs/operations.md lists them all):
//
//   kubelet_running_pods, kubelet_running_containers{container_state}   what runs (read at scrape time)
//   orch_agent_pods{phase}                                                pods bound here, by phase
//   kubelet_started_containers_total, kubelet_started_containers_errors_total, orch_agent_container_restarts_total
//   kubelet_pod_worker_duration_seconds{operation="sync"}                 one pod's sync
//   kubelet_runtime_operations_total / _errors_total / _duration_seconds {operation_type}   Docker calls
//   orch_agent_image_pulls_total{result}, orch_agent_image_pull_duration_seconds

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Pod } from '../api/types.js';
import type { ContainerInfo } from './runtime/types.js';

const DOCKER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface AgentMetricSources {
  /** The pods bound to this node (the informer's cache). */
  pods(): Pod[];
  /** This node's containers, as Docker lists them; rejects while Docker is unreachable. */
  containers(): Promise<ContainerInfo[]>;
}

export class AgentMetrics {
  private readonly runtimeOps: Counter<'operation_type'>;
  private readonly runtimeErrors: Counter<'operation_type'>;
  private readonly runtimeDuration: Histogram<'operation_type'>;
  private readonly started: Counter<'container_type'>;
  private readonly startErrors: Counter<'container_type'>;
  private readonly restarts: Counter;
  private readonly syncDuration: Histogram<'operation'>;
  private readonly pulls: Counter<'result'>;
  private readonly pullDuration: Histogram<'result'>;
  private sources?: AgentMetricSources;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.runtimeOps = new Counter({ name: 'kubelet_runtime_operations_total', help: 'Docker calls by operation.', labelNames: ['operation_type'], registers });
    this.runtimeErrors = new Counter({ name: 'kubelet_runtime_operations_errors_total', help: 'Docker calls that failed, by operation.', labelNames: ['operation_type'], registers });
    this.runtimeDuration = new Histogram({ name: 'kubelet_runtime_operations_duration_seconds', help: 'Docker call latency by operation.', labelNames: ['operation_type'], buckets: DOCKER_BUCKETS, registers });
    this.started = new Counter({ name: 'kubelet_started_containers_total', help: 'Containers started.', labelNames: ['container_type'], registers });
    this.startErrors = new Counter({ name: 'kubelet_started_containers_errors_total', help: 'Container starts that failed.', labelNames: ['container_type'], registers });
    this.restarts = new Counter({ name: 'orch_agent_container_restarts_total', help: 'Containers started again after an earlier attempt of the same pod container (restartPolicy, crash loops).', registers });
    this.syncDuration = new Histogram({ name: 'kubelet_pod_worker_duration_seconds', help: "Time to sync one pod (one pass of the pod's reconcile).", labelNames: ['operation'], buckets: DOCKER_BUCKETS, registers });
    this.pulls = new Counter({ name: 'orch_agent_image_pulls_total', help: 'Image pulls by result (success, failure).', labelNames: ['result'], registers });
    this.pullDuration = new Histogram({ name: 'orch_agent_image_pull_duration_seconds', help: 'Image pull duration by result.', labelNames: ['result'], buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers });
    const self = this;
    new Gauge({
      name: 'kubelet_running_pods',
      help: 'Pods bound to this node with at least one running container.',
      registers,
      collect() {
        const pods = self.sources?.pods() ?? [];
        this.set(pods.filter((p) => (p.status?.containerStatuses ?? []).some((c) => c.state?.running)).length);
      },
    });
    new Gauge({
      name: 'orch_agent_pods',
      help: 'Pods bound to this node, by phase.',
      labelNames: ['phase'],
      registers,
      collect() {
        this.reset();
        for (const phase of ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']) this.set({ phase }, 0);
        for (const p of self.sources?.pods() ?? []) this.inc({ phase: p.status?.phase ?? 'Pending' });
      },
    });
    new Gauge({
      name: 'kubelet_running_containers',
      help: "This node's containers as Docker lists them, by state (created, running, exited, ...).",
      labelNames: ['container_state'],
      registers,
      async collect() {
        if (!self.sources) return;
        let list: ContainerInfo[];
        try {
          list = await self.sources.containers();
        } catch {
          return; // Docker unreachable: the node's Ready condition says so; keep the last values
        }
        this.reset();
        for (const state of ['created', 'running', 'exited']) this.set({ container_state: state }, 0);
        for (const c of list) this.inc({ container_state: c.state });
      },
    });
    for (const result of ['success', 'failure']) this.pulls.inc({ result }, 0);
    for (const container_type of ['container', 'podsandbox']) {
      this.started.inc({ container_type }, 0);
      this.startErrors.inc({ container_type }, 0);
    }
  }

  /** Where the scrape-time gauges read from (the agent's informer and runtime). */
  setSources(sources: AgentMetricSources): void {
    this.sources = sources;
  }

  /** One Docker call: its operation, how long it took and whether it failed. */
  runtimeCall(operation: string, seconds: number, failed: boolean): void {
    this.runtimeOps.inc({ operation_type: operation });
    this.runtimeDuration.observe({ operation_type: operation }, seconds);
    if (failed) this.runtimeErrors.inc({ operation_type: operation });
  }

  /** type as the kubelet labels it: 'podsandbox' for pod sandboxes (their re-creations are no container restarts). */
  containerStarted(ok: boolean, restart: boolean, type: 'container' | 'podsandbox' = 'container'): void {
    if (!ok) return void this.startErrors.inc({ container_type: type });
    this.started.inc({ container_type: type });
    if (restart && type === 'container') this.restarts.inc();
  }

  imagePulled(ok: boolean, seconds: number): void {
    const result = ok ? 'success' : 'failure';
    this.pulls.inc({ result });
    this.pullDuration.observe({ result }, seconds);
  }

  /** Wraps one pod sync. */
  async observeSync<T>(fn: () => Promise<T>): Promise<T> {
    const end = this.syncDuration.startTimer({ operation: 'sync' });
    try {
      return await fn();
    } finally {
      end();
    }
  }
}
