// Load for the HA scenarios and `npm run bench -- ha`: a ConfigMap writer that records
// every answer, and a set of informers that record what they saw.
//
//   Writer: creates `<prefix>-<n>` one after another. An acknowledged create goes into the
//     Ledger (invariants.ts reads each back at the end). With `retry`, a failed create is
//     repeated like a careful client does (same name; AlreadyExists on a repeat means an
//     earlier attempt was applied: read back and counted as acknowledged) and only a
//     create that still fails after the retries counts as failed.
//   Watchers: n informers on the writer's ConfigMaps; each records the names it was told
//     about (add events) and how many times it listed (1 = the first list only: every
//     reconnect resumed from its resourceVersion, no relist).

import type { ConfigMap } from '../../api/types.js';
import { isAlreadyExists } from '../../api/errors.js';
import type { ApiClient } from '../../client/rest-client.js';
import { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/types.js';
import { silentLogger } from '../../foundation/logger.js';
import { sleep, waitUntil } from './sh.js';

export const LOAD_LABEL = 'orch-ha-load';

export interface WriterOptions {
  prefix: string;
  namespace?: string;
  /** Retry a failed create for up to this long (ms); 0: no retry. */
  retryForMs?: number;
  /** Pause between creates (ms). */
  pauseMs?: number;
  ledger?: { ack(cm: ConfigMap): void };
}

export class Writer {
  acked: string[] = [];
  /** Every failed attempt, by status code (or error code). */
  readonly errors = new Map<string, number>();
  /** Creates that failed even after the retries (with retryForMs), or every failure (without). */
  failed = 0;
  lastAck = 0;
  private n = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly client: ApiClient, private readonly opts: WriterOptions) {
    this.loop = this.run();
  }

  get errorCount(): number {
    let s = 0;
    for (const v of this.errors.values()) s += v;
    return s;
  }

  private note(err: unknown): void {
    const e = err as { code?: unknown; status?: { code?: number } };
    const key = String(e.status?.code ?? e.code ?? (err as Error).name);
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  private async createOnce(name: string, repeat: boolean): Promise<ConfigMap> {
    const ns = this.opts.namespace ?? 'default';
    try {
      return await this.client.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { [LOAD_LABEL]: this.opts.prefix } }, data: { n: name } });
    } catch (err) {
      if (repeat && isAlreadyExists(err)) return this.client.configmaps.get(name, ns);
      throw err;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      const name = `${this.opts.prefix}-${this.n++}`;
      const until = Date.now() + (this.opts.retryForMs ?? 0);
      for (let attempt = 0; ; attempt++) {
        try {
          const cm = await this.createOnce(name, attempt > 0);
          this.opts.ledger?.ack(cm);
          this.acked.push(name);
          this.lastAck = Date.now();
          break;
        } catch (err) {
          this.note(err);
          if (Date.now() >= until || !this.running) {
            this.failed++;
            await sleep(100);
            break;
          }
          await sleep(Math.min(1000, 100 * 2 ** attempt));
        }
      }
      if (this.opts.pauseMs) await sleep(this.opts.pauseMs);
    }
  }

  /** ms from `since` to the first acknowledged write after it. */
  async resumedAfter(since: number, timeoutMs: number): Promise<number> {
    await waitUntil('writes to be acknowledged again', () => this.lastAck > since, timeoutMs, 20);
    return this.lastAck - since;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  summary(): string {
    return `${this.acked.length} acknowledged, ${this.failed} failed, attempts failed by code: ${JSON.stringify(Object.fromEntries(this.errors))}`;
  }
}

export class Watchers {
  readonly seen: Array<Set<string>> = [];
  readonly lists: number[] = [];
  private readonly informers: Array<Informer<ConfigMap>> = [];

  constructor(client: ApiClient, n: number, prefix: string) {
    for (let k = 0; k < n; k++) {
      this.seen.push(new Set());
      this.lists.push(0);
      // Count the lists this informer makes (its first one, and any relist).
      const rc = new Proxy(client.configmaps, {
        get: (target, prop, recv) => {
          const v = Reflect.get(target, prop, recv) as unknown;
          if (prop === 'list' && typeof v === 'function') {
            return (...args: unknown[]) => {
              this.lists[k]++;
              return (v as (...a: unknown[]) => unknown).apply(target, args);
            };
          }
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }) as ResourceClient<ConfigMap>;
      const inf = new Informer(rc, { logger: silentLogger(), labelSelector: `${LOAD_LABEL}=${prefix}`, backoff: { initialMs: 100, maxMs: 2000 } });
      inf.addEventHandler({ onAdd: (cm) => this.seen[k].add(cm.metadata.name ?? '') });
      this.informers.push(inf);
    }
  }

  async start(): Promise<void> {
    for (const inf of this.informers) inf.start();
    await Promise.all(this.informers.map((inf) => inf.waitForSync()));
  }

  /** Watchers that have not yet seen every one of `names`. */
  missing(names: string[]): number[] {
    return this.seen.map((s, k) => (names.every((n) => s.has(n)) ? -1 : k)).filter((k) => k >= 0);
  }

  /** Waits until every watcher saw every name; ms waited. */
  async allSaw(names: string[], timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    await waitUntil(`every watcher to see all ${names.length} writes`, () => this.missing(names).length === 0, timeoutMs, 20);
    return Date.now() - t0;
  }

  stop(): void {
    for (const inf of this.informers) inf.stop();
  }
}

/**
 * A new create every intervalMs without waiting for the previous ones (at most
 * `inFlight` open): "the first successful write after a fault" is then the first write
 * *sent* after it that was acknowledged, not the end of one call stuck on a dead member.
 */
export class Prober {
  private readonly sent: Array<{ at: number; ackedAt?: number }> = [];
  private open = 0;
  private n = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly client: ApiClient, private readonly prefix: string, intervalMs = 100, private readonly inFlight = 50, private readonly ledger?: { ack(cm: ConfigMap): void }) {
    this.timer = setInterval(() => this.fire(), intervalMs);
  }

  private fire(): void {
    if (this.open >= this.inFlight) return;
    const rec: { at: number; ackedAt?: number } = { at: Date.now() };
    this.sent.push(rec);
    this.open++;
    const name = `${this.prefix}-${this.n++}`;
    this.client.configmaps
      .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { [LOAD_LABEL]: this.prefix } }, data: { n: name } })
      .then((cm) => {
        rec.ackedAt = Date.now();
        this.ledger?.ack(cm);
      })
      .catch(() => undefined)
      .finally(() => this.open--);
  }

  /** ms from t0 to the acknowledgement of the first write sent after t0 that was acknowledged. */
  async firstAckAfter(t0: number, timeoutMs: number): Promise<number> {
    const at = await waitUntil('a write sent after the fault to be acknowledged', () => {
      const acked = this.sent.filter((s) => s.at >= t0 && s.ackedAt !== undefined);
      return acked.length ? Math.min(...acked.map((s) => s.ackedAt!)) : undefined;
    }, timeoutMs, 10);
    return at - t0;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await waitUntil('probes in flight to end', () => this.open === 0, 30_000, 20);
  }
}
