// A process = its health/metrics server (first to start, last to stop) + its components,
// run by one ComponentRunner. The scheduler, the controller manager and the agent are
// assembled here; the apiserver serves the same endpoints on its API port.

import type { Clock } from './clock.js';
import type { Component } from './component.js';
import { ComponentRunner } from './component-runner.js';
import { HealthServer, type HealthServerOptions } from './health-server.js';
import type { Logger } from './logger.js';
import { registrySource, type Registry } from './metrics.js';

export interface ProcessOptions {
  logger: Logger;
  /** The process's metrics registry (foundation/metrics.ts processRegistry). */
  registry: Registry;
  /** Where /healthz, /readyz and /metrics are served; undefined: nowhere (tests, --port 0). */
  health?: Omit<HealthServerOptions, 'metrics' | 'readiness' | 'stopping' | 'logger'>;
  components: Component[];
  clock?: Clock;
  stopTimeoutMs?: number;
}

export interface AssembledProcess {
  runner: ComponentRunner;
  health?: HealthServer;
}

export function assembleProcess(o: ProcessOptions): AssembledProcess {
  let runner: ComponentRunner | undefined;
  const health = o.health
    ? new HealthServer({
        ...o.health,
        metrics: registrySource(o.registry),
        readiness: async () => (runner ? (await runner.checks()).filter((c) => c.name !== 'health-server') : []),
        stopping: () => runner?.stopping ?? false,
        logger: o.logger,
      })
    : undefined;
  runner = new ComponentRunner(health ? [health, ...o.components] : o.components, { logger: o.logger, clock: o.clock, stopTimeoutMs: o.stopTimeoutMs });
  return { runner, health };
}
