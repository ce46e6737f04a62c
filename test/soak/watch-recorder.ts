// A watch recorder per kind: list, then watch from the list's resourceVersion across the
// soak's faults (reconnecting from the last resourceVersion seen, relisting on 410), and
// check what the API promises about watch streams:
//   - per object (uid), resourceVersions only increase: no event older than or equal to
//     one already seen, and a relist never shows an object older than its last event;
//   - within one stream, events come in resourceVersion order (none twice, none back);
//   - at the end, the cache built from the events equals a fresh list (no event lost).
// RvOrder is the pure part (unit-tested); WatchRecorder drives a real watch.

import type { ApiClient } from '../../client/rest-client.js';
import type { KubeObject } from '../../api/types.js';
import { ApiError } from '../../api/errors.js';
import { sleep } from '../cluster/sh.js';

const rvOf = (o: KubeObject) => BigInt(o.metadata.resourceVersion ?? '0');
const nameOf = (o: KubeObject) => `${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

export class RvOrder {
  /** uid → the highest resourceVersion seen for it. */
  private readonly last = new Map<string, bigint>();
  private streamLast = 0n;
  readonly violations: string[] = [];
  checks = 0;

  constructor(private readonly kind: string) {}

  /** A new stream (after a reconnect) starts after `from`. */
  newStream(from: bigint): void {
    this.streamLast = from;
  }

  event(type: string, o: KubeObject): void {
    const uid = o.metadata.uid ?? nameOf(o);
    const rv = rvOf(o);
    this.checks++;
    const prev = this.last.get(uid);
    if (prev !== undefined && rv <= prev) this.note(`${this.kind} ${nameOf(o)} (uid ${uid.slice(0, 8)}): ${type} event at rv ${rv} after rv ${prev} was seen`);
    if (rv <= this.streamLast) this.note(`${this.kind} watch stream out of order: ${type} ${nameOf(o)} at rv ${rv} after an event at rv ${this.streamLast}`);
    this.streamLast = rv > this.streamLast ? rv : this.streamLast;
    if (prev === undefined || rv > prev) this.last.set(uid, rv);
  }

  /** An object of a (re)list: may equal, never precede, what the events showed. */
  listed(o: KubeObject): void {
    const uid = o.metadata.uid ?? nameOf(o);
    const rv = rvOf(o);
    this.checks++;
    const prev = this.last.get(uid);
    if (prev !== undefined && rv < prev) this.note(`${this.kind} ${nameOf(o)} (uid ${uid.slice(0, 8)}): a list shows rv ${rv} after an event at rv ${prev}`);
    if (prev === undefined || rv > prev) this.last.set(uid, rv);
  }

  private note(v: string): void {
    if (this.violations.length < 50) this.violations.push(v);
  }
}

type Resource = 'deployments' | 'replicasets' | 'pods';

export class WatchRecorder {
  readonly order: RvOrder;
  /** key → resourceVersion: the state the events built. */
  private readonly cache = new Map<string, string>();
  events = 0;
  reconnects = 0;
  relists = 0;
  private running = true;
  private stopCurrent?: () => void;
  private loop?: Promise<void>;

  constructor(private readonly client: () => ApiClient, readonly resource: Resource) {
    this.order = new RvOrder(resource);
  }

  start(): void {
    this.loop = this.run();
  }

  private async relist(): Promise<string> {
    const list = await this.client()[this.resource].list();
    this.cache.clear();
    for (const o of list.items) {
      this.order.listed(o);
      this.cache.set(nameOf(o), o.metadata.resourceVersion ?? '');
    }
    return list.metadata?.resourceVersion ?? '0';
  }

  private async run(): Promise<void> {
    let rv: string | undefined;
    while (this.running) {
      try {
        if (rv === undefined) {
          rv = await this.relist();
          this.relists++;
        }
        const w = this.client()[this.resource].watch({ resourceVersion: rv, allowWatchBookmarks: true });
        this.stopCurrent = () => w.stop();
        this.order.newStream(BigInt(rv));
        for await (const ev of w) {
          if (ev.type === 'BOOKMARK') {
            rv = ev.object.metadata.resourceVersion ?? rv;
            continue;
          }
          if (ev.type === 'ERROR') {
            // 410 Expired: our resourceVersion was compacted; anything else: reopen.
            if ((ev.object as { code?: number }).code === 410) rv = undefined;
            break;
          }
          this.events++;
          this.order.event(ev.type, ev.object);
          if (ev.type === 'DELETED') this.cache.delete(nameOf(ev.object));
          else this.cache.set(nameOf(ev.object), ev.object.metadata.resourceVersion ?? '');
          rv = ev.object.metadata.resourceVersion ?? rv;
        }
      } catch (err) {
        if (err instanceof ApiError && err.code === 410) rv = undefined;
      }
      if (!this.running) break;
      this.reconnects++;
      await sleep(500);
    }
  }

  /**
   * Until the event-built cache equals a fresh list (the watch lags a little behind
   * writes); the difference at the deadline, or undefined.
   */
  async differsFromList(timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    let diff = '';
    while (Date.now() < deadline) {
      try {
        const list = await this.client()[this.resource].list();
        const want = new Map(list.items.map((o) => [nameOf(o), o.metadata.resourceVersion ?? '']));
        const missing = [...want].filter(([k, v]) => this.cache.get(k) !== v).map(([k, v]) => `${k}@${v} (cache ${this.cache.get(k) ?? 'none'})`);
        const extra = [...this.cache.keys()].filter((k) => !want.has(k));
        diff = [...missing.slice(0, 5), ...extra.slice(0, 5).map((k) => `${k} not in the list`)].join(', ');
        if (!missing.length && !extra.length) return undefined;
      } catch (err) {
        diff = `cannot list: ${(err as Error).message}`;
      }
      await sleep(500);
    }
    return `${this.resource} watch cache differs from the list: ${diff}`;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopCurrent?.();
    await this.loop;
  }
}
