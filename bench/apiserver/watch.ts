// Phase (c): watch delivery latency. `watchers` HTTP watch streams on one namespace, from
// the current resourceVersion, while a paced writer merge-patches pods at `ratePerSec`.
// Latency = receive time − write-ack time, matched by resourceVersion (an event that
// arrives before its write is acknowledged counts 0); also receive − send time, from an
// annotation carrying the send timestamp. Everything runs in this one process, so all
// times come from one monotonic clock.

import type { BenchHttp } from '../lib/http.js';
import { runPaced } from '../lib/concurrency.js';
import { Samples } from '../lib/stats.js';
import { SENT_RE, waitUntil, type WatchRun } from './raw-etcd.js';

const RV_RE = /"resourceVersion":"(\d+)"/;
const TYPE_RE = /^\{"type":"([A-Z]+)"/;

export async function watchLatency(
  http: BenchHttp,
  writer: BenchHttp,
  opts: { namespace: string; podNames: string[]; watchers: number; ratePerSec: number; durationMs: number },
): Promise<WatchRun> {
  const fromAck = new Samples();
  const fromSend = new Samples();
  const ackAt = new Map<number, number>();
  const received = new Array<number>(opts.watchers).fill(0);
  let errors = 0;
  let disconnected = 0;
  let running = true;

  const list = await http.expect('GET', `/api/v1/namespaces/${opts.namespace}/pods?limit=1`, [200]);
  const rv = (JSON.parse(list.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const path = `/api/v1/namespaces/${opts.namespace}/pods?watch=true&resourceVersion=${rv}`;

  const streams = [];
  for (let w = 0; w < opts.watchers; w++) {
    const s = await http.watch(path, (line, now) => {
      const type = TYPE_RE.exec(line)?.[1];
      if (type === 'BOOKMARK') return;
      if (type === 'ERROR') return void errors++;
      const m = RV_RE.exec(line);
      if (!m) return;
      received[w]!++;
      const ack = ackAt.get(Number(m[1]));
      fromAck.add(ack === undefined ? 0 : Math.max(0, now - ack));
      const sent = SENT_RE.exec(line);
      if (sent) fromSend.add(now - Number(sent[1]));
    });
    void s.ended.then(() => {
      if (running) disconnected++;
    });
    streams.push(s);
  }

  const writes = await runPaced({ ratePerSec: opts.ratePerSec, durationMs: opts.durationMs, maxInFlight: 64 }, async (i) => {
    const name = opts.podNames[i % opts.podNames.length]!;
    const patch = JSON.stringify({ metadata: { annotations: { 'bench.orch.io/seq': String(i), 'bench.orch.io/sent': performance.now().toFixed(3) } } });
    const res = await writer.expect('PATCH', `/api/v1/namespaces/${opts.namespace}/pods/${name}`, [200], patch, 'application/merge-patch+json');
    const acked = performance.now();
    const m = RV_RE.exec(res.body);
    if (!m) throw new Error(`PATCH response without resourceVersion: ${res.body.slice(0, 200)}`);
    ackAt.set(Number(m[1]), acked);
  });
  await waitUntil(() => received.every((r) => r >= writes.done) || disconnected === opts.watchers, 10_000);
  running = false;
  for (const s of streams) s.close();
  return { writes, fromAck, fromSend, received, disconnected, errors };
}
