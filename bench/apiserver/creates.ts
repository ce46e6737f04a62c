// Phase (a): pod creates per second, `concurrency` keep-alive HTTP clients, until
// `maxPods` are created or `maxMs` has passed. The first `listCount` pods go to the
// namespace the list phase reads, so that one holds exactly listCount pods.

import type { BenchHttp } from '../lib/http.js';
import { runPool, type PoolResult } from '../lib/concurrency.js';
import { podManifest, podName } from './pods.js';

export interface CreateRun extends PoolResult {
  ratePerSec: number;
}

export async function createPods(
  http: BenchHttp,
  opts: { concurrency: number; maxPods: number; maxMs: number; listNs: string; listCount: number; extraNs: string },
  created: Set<number>,
): Promise<CreateRun> {
  // Bodies are serialised before the clock starts: the bench measures the server.
  const body = (i: number) => {
    const ns = i < opts.listCount ? opts.listNs : opts.extraNs;
    return { ns, json: JSON.stringify(podManifest(ns, podName(i))) };
  };
  const r = await runPool({ concurrency: opts.concurrency, total: opts.maxPods, maxMs: opts.maxMs }, async (i) => {
    const { ns, json } = body(i);
    await http.expect('POST', `/api/v1/namespaces/${ns}/pods`, [201], json);
    created.add(i);
  });
  return { ...r, ratePerSec: (r.done * 1000) / r.elapsedMs };
}

/** Create whatever the list namespace still lacks (when the timed phase stopped early). */
export async function topUpListNamespace(http: BenchHttp, opts: { concurrency: number; listNs: string; listCount: number }, created: Set<number>): Promise<number> {
  const missing: number[] = [];
  for (let i = 0; i < opts.listCount; i++) if (!created.has(i)) missing.push(i);
  const r = await runPool({ concurrency: opts.concurrency, total: missing.length, maxMs: Number.POSITIVE_INFINITY }, async (k) => {
    const i = missing[k]!;
    await http.expect('POST', `/api/v1/namespaces/${opts.listNs}/pods`, [201], JSON.stringify(podManifest(opts.listNs, podName(i))));
    created.add(i);
  });
  if (r.errors > 0) throw new Error(`topping up ${opts.listNs} failed: ${String(r.firstError)}`);
  return missing.length;
}
