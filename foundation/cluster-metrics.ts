// /metrics of a process that runs as several node:cluster workers (`orch apiserver
// --workers N`): whichever worker a scrape reaches answers with the sum over all workers,
// so Prometheus sees one apiserver, as it would with one process.
//
//   worker  the /metrics handler asks the primary (an IPC message) and answers with its reply
//   primary prom-client's AggregatorRegistry gathers every worker's registry (its own IPC
//           protocol) and sums them: counters and histograms add up, as do gauges such as
//           open watches and seats; process_start_time and version info keep one value
//
// Scrapes wait at most 10 s for the primary (prom-client gives each worker 5 s).

import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from './logger.js';
import type { MetricsSource } from './metrics.js';

const REQUEST = 'orch:cluster-metrics-request';
const REPLY = 'orch:cluster-metrics-reply';
const TIMEOUT_MS = 10_000;

interface Request {
  type: typeof REQUEST;
  id: number;
}
interface Reply {
  type: typeof REPLY;
  id: number;
  text?: string;
  error?: string;
}

export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/** In the primary, before forking: answer the workers' requests with every worker's sum. */
export function serveClusterMetrics(logger: Logger): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, msg: Request) => {
    if (msg?.type !== REQUEST) return;
    const reply = (r: Omit<Reply, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: REPLY, id: msg.id, ...r } satisfies Reply);
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (err: Error) => {
        logger.warn({ err }, 'cannot gather the workers\' metrics');
        reply({ error: err.message });
      },
    );
  });
}

/** In a worker: its registry is gathered by the primary; /metrics answers with the sum. */
export function clusterMetricsSource(registry: Registry): MetricsSource {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // installs the listener that hands this worker's metrics to the primary
  const pending = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 0;
  process.on('message', (msg: Reply) => {
    if (msg?.type !== REPLY) return;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.text !== undefined) p.resolve(msg.text);
    else p.reject(new Error(`the primary could not gather the workers' metrics: ${msg.error ?? 'no answer'}`));
  });
  return {
    contentType: registry.contentType,
    text: () =>
      new Promise<string>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`no answer from the primary within ${TIMEOUT_MS} ms`));
        }, TIMEOUT_MS);
        pending.set(id, { resolve, reject, timer });
        process.send!({ type: REQUEST, id } satisfies Request);
      }),
  };
}
