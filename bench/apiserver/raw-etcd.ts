// The baseline side of the apiserver bench: the same load straight against etcd with the
// etcd3 client. NOTE: this file is the one place outside apiserver/storage/ that imports
// etcd3, on purpose and for measurement only — the baseline must bypass the apiserver.

import { Etcd3, type Watcher } from 'etcd3';
import { runPaced, runPool, type PoolResult } from '../lib/concurrency.js';
import { Samples } from '../lib/stats.js';

export class RawEtcd {
  private readonly client: Etcd3;

  constructor(endpoint: string) {
    // Same channel options as the apiserver's storage: a 10k-pod range is ~9 MB, over
    // grpc's default 4 MiB receive limit.
    this.client = new Etcd3({ hosts: [endpoint], grpcOptions: { 'grpc.max_receive_message_length': -1 } });
  }

  /** The stored bytes of a key (to give baseline writes the same size as the real objects). */
  async getBuffer(key: string): Promise<Buffer> {
    const v = await this.client.get(key).buffer();
    if (!v) throw new Error(`etcd key ${key} not found (has the apiserver's key layout changed?)`);
    return v;
  }

  /** `count` puts with `concurrency` in flight, each a distinct key. */
  putMany(opts: { count: number; concurrency: number; key: (i: number) => string; value: Buffer }): Promise<PoolResult> {
    return runPool({ concurrency: opts.concurrency, total: opts.count, maxMs: Number.POSITIVE_INFINITY }, async (i) => {
      await this.client.put(opts.key(i)).value(opts.value).exec();
    });
  }

  /** One range read of every key under prefix; returns the number of keys and the time. */
  async rangeGet(prefix: string): Promise<{ count: number; ms: number }> {
    const t0 = performance.now();
    const res = await this.client.getAll().prefix(prefix).exec();
    return { count: res.kvs.length, ms: performance.now() - t0 };
  }

  /**
   * The watch baseline: `watchers` etcd watchers on one prefix while a paced writer puts
   * `ratePerSec` values for `durationMs`. Latency = receive time − put-ack time, matched
   * by mod revision (an event seen before its ack counts 0), and receive − send time.
   */
  async watchLatency(opts: { prefix: string; watchers: number; ratePerSec: number; durationMs: number; keys: number; value: (sentAt: number) => string }): Promise<WatchRun> {
    const fromAck = new Samples();
    const fromSend = new Samples();
    const ackAt = new Map<number, number>();
    const received = new Array<number>(opts.watchers).fill(0);
    const start = String(Number((await this.client.get('bench-probe').exec()).header.revision) + 1);
    const ws: Watcher[] = [];
    for (let w = 0; w < opts.watchers; w++) {
      const watcher = await this.client.watch().prefix(opts.prefix).startRevision(start).create();
      watcher.on('put', (kv) => {
        const now = performance.now();
        received[w]!++;
        const ack = ackAt.get(Number(kv.mod_revision));
        fromAck.add(ack === undefined ? 0 : Math.max(0, now - ack));
        const m = SENT_RE.exec(kv.value.toString('utf8'));
        if (m) fromSend.add(now - Number(m[1]));
      });
      ws.push(watcher);
    }
    const writes = await runPaced({ ratePerSec: opts.ratePerSec, durationMs: opts.durationMs, maxInFlight: 64 }, async (i) => {
      const res = await this.client.put(`${opts.prefix}k-${i % opts.keys}`).value(opts.value(performance.now())).exec();
      ackAt.set(Number(res.header.revision), performance.now());
    });
    await waitUntil(() => received.every((r) => r >= writes.done), 10_000);
    await Promise.all(ws.map((w) => w.cancel()));
    return { writes, fromAck, fromSend, received, disconnected: 0, errors: 0 };
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

export interface WatchRun {
  writes: PoolResult & { offered: number };
  fromAck: Samples;
  fromSend: Samples;
  /** Events received per watcher. */
  received: number[];
  /** Watch streams that ended before the run did. */
  disconnected: number;
  /** ERROR events seen. */
  errors: number;
}

/** The send timestamp the writers embed in every object (an annotation / a JSON field). */
export const SENT_RE = /"bench\.orch\.io\/sent":"([0-9.]+)"/;

export async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}
