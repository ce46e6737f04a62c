// Phase (b): time to receive a full list of `expected` pods over HTTP (request sent →
// last byte received; the client's JSON parsing is not counted), median of `rounds`.

import type { BenchHttp } from '../lib/http.js';
import { median } from '../lib/stats.js';

export async function timeList(http: BenchHttp, path: string, expected: number, rounds: number): Promise<{ medianMs: number; all: number[]; bytes: number }> {
  const all: number[] = [];
  let bytes = 0;
  // One untimed warm-up, which also checks the answer is the whole collection.
  const first = await http.expect('GET', path, [200]);
  const items = (JSON.parse(first.body) as { items?: unknown[] }).items ?? [];
  if (items.length !== expected) throw new Error(`list ${path} returned ${items.length} items, expected ${expected}`);
  bytes = Buffer.byteLength(first.body);
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await http.expect('GET', path, [200]);
    all.push(performance.now() - t0);
  }
  return { medianMs: median(all), all, bytes };
}
