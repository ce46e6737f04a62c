// `orch apiserver --workers N`: N serving processes sharing one listening port (node:cluster),
// so one host's apiserver uses all its cores. Each worker is a complete, independent
// apiserver — the design already allows any number of apiservers over one etcd — so watches,
// the watch cache and the namespace cache are per worker. The primary forks, restarts a
// worker that dies, forwards SIGTERM, and sums the workers' metrics for whichever worker a
// /metrics scrape reaches (foundation/cluster-metrics.ts).

import cluster from 'node:cluster';
import { serveClusterMetrics } from '../foundation/cluster-metrics.js';
import type { Logger } from '../foundation/logger.js';

export function isWorkerProcess(): boolean {
  return !cluster.isPrimary;
}

/** This worker's slot (1..N) under --workers, stable across its restarts; undefined otherwise. */
export function workerSlot(): number | undefined {
  const n = Number(process.env.ORCH_WORKER_SLOT);
  return cluster.isWorker && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Run the primary: keep `count` workers alive until SIGTERM/SIGINT, then stop them and exit. */
export function runPrimary(count: number, logger: Logger): void {
  let stopping = false;
  const started = new Map<number, number>();
  // Each worker keeps a slot number across restarts (ORCH_WORKER_SLOT): per-worker files,
  // such as the audit log, keep their names.
  const slots = new Map<number, number>();
  const fork = (slot: number) => {
    const w = cluster.fork({ ORCH_WORKER_SLOT: String(slot) });
    started.set(w.id, Date.now());
    slots.set(w.id, slot);
  };
  cluster.on('exit', (worker, code, signal) => {
    const ranMs = Date.now() - (started.get(worker.id) ?? Date.now());
    started.delete(worker.id);
    if (stopping) {
      if (started.size === 0) process.exit(0);
      return;
    }
    // A worker that dies at once (a bad flag, a port in use) would die again: give up.
    if (ranMs < 5000) {
      logger.error({ worker: worker.id, code, signal }, 'apiserver worker exited during start; stopping');
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      process.exitCode = 1;
      if (started.size === 0) process.exit(1);
      return;
    }
    logger.warn({ worker: worker.id, code, signal }, 'apiserver worker exited; starting a new one');
    fork(slots.get(worker.id) ?? 0);
  });
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal: sig, workers: started.size }, 'stopping workers');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 20_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  serveClusterMetrics(logger);
  for (let i = 1; i <= count; i++) fork(i);
  logger.info({ workers: count }, 'apiserver primary started its workers');
}
