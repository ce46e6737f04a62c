// Sequential requests at a steady pace, each timed: what one client (an admin's kubectl,
// an agent renewing its Lease) sees. Failures are counted by status code, and only
// successes go into the latency figures: a fast 429 is not a fast answer.

import type { BenchHttp } from '../lib/http.js';
import { Samples, type Summary } from '../lib/stats.js';

export interface TimedRun {
  ok: Summary;
  failures: Record<string, number>;
  failed: number;
}

/** Request i starts at start + i · intervalMs (or when request i-1 is done, if later). */
export async function timeSequential(count: number, intervalMs: number, op: (i: number) => Promise<{ status: number }>, okCodes = [200]): Promise<TimedRun> {
  const ok = new Samples();
  const failures: Record<string, number> = {};
  let failed = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + i * intervalMs - performance.now();
    if (due > 0) await new Promise((r) => setTimeout(r, due));
    const t0 = performance.now();
    let code: string;
    try {
      code = String((await op(i)).status);
    } catch (err) {
      code = (err as NodeJS.ErrnoException).code ?? 'error';
    }
    if (okCodes.map(String).includes(code)) ok.add(performance.now() - t0);
    else {
      failed++;
      failures[code] = (failures[code] ?? 0) + 1;
    }
  }
  return { ok: ok.summary(), failures, failed };
}

/**
 * A node renewing its own Lease the way the agent does (agent/heartbeat.ts): GET it, PUT
 * it back with renewTime = now (the resourceVersion read makes it a compare-and-swap).
 */
export async function renewLease(http: BenchHttp, namespace: string, node: string): Promise<{ status: number }> {
  const path = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${node}`;
  const got = await http.request('GET', path);
  if (got.status !== 200) return got;
  const lease = JSON.parse(got.body) as { spec: Record<string, unknown> };
  lease.spec.renewTime = new Date().toISOString().replace(/Z$/, '000Z');
  return http.request('PUT', path, lease);
}
