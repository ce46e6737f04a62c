// Creating many objects in growing batches (1, 2, 4, 8, ...) and stopping at the first
// batch with an error: a template the server rejects costs one request, not a thousand.
// growth 'rest' (orch's fast start, see controller/replicaset): the first batch is the
// probe, and once it succeeded everything left goes in one batch.

export interface SlowStartResult {
  successes: number;
  error?: unknown;
}

export async function slowStartBatch(count: number, initialBatch: number, fn: () => Promise<void>, growth: 'double' | 'rest' = 'double'): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatch); batch > 0; batch = growth === 'rest' ? remaining : Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length > 0) return { successes, error: failed[0]!.reason };
    remaining -= batch;
  }
  return { successes };
}
