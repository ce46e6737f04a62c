// One Prometheus registry per process, which every component registers its metrics into
// (not prom-client's global one, so tests can run several processes' worth in one).
//
// Naming (docs/operations.md lists every metric): Node.js' standard `process_*` and
// `nodejs_*` metrics unprefixed, as every dashboard expects them; Kubernetes' names where
// Kubernetes has the metric (apiserver_request_total, workqueue_depth{name},
// scheduler_*, rest_client_requests_total, leader_election_master_status, kubelet_* for
// the agent); `orch_<component>_…` for the rest; units in the names (_seconds, _bytes,
// and _total for counters).

import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Registry };

/** What a /metrics endpoint serves: a registry, or (apiserver --workers) all workers' sum. */
export interface MetricsSource {
  text(): Promise<string>;
  readonly contentType: string;
}

/** A process's registry, with the standard process_* and nodejs_* metrics unless told not to. */
export function processRegistry(opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

export function registrySource(registry: Registry): MetricsSource {
  return {
    text: () => registry.metrics(),
    get contentType() {
      return registry.contentType;
    },
  };
}
