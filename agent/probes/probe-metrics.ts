// The prober's metrics: kubelet's prober_probe_total (without its per-pod labels, which
// would make one series per container) and the number of probe workers running.

import { Counter, Gauge, type Registry } from 'prom-client';
import { probeTitle, type ProbeKind } from './probe-settings.js';

export class ProbeMetrics {
  private readonly total: Counter<'probe_type' | 'result'>;
  private readonly workers: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.total = new Counter({ name: 'prober_probe_total', help: 'Probe runs by probe type (Liveness, Readiness, Startup) and result (successful, failed).', labelNames: ['probe_type', 'result'], registers });
    this.workers = new Gauge({ name: 'orch_agent_probe_workers', help: 'Probe workers running (one per container attempt and probe kind).', registers });
  }

  probed(kind: ProbeKind, ok: boolean): void {
    this.total.inc({ probe_type: probeTitle(kind), result: ok ? 'successful' : 'failed' });
  }

  setWorkers(n: number): void {
    this.workers.set(n);
  }
}
