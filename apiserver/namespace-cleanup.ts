// Deleting a namespace marks it Terminating; this loop empties it and then removes it.
// Kubernetes runs this as a controller in the controller manager; orch runs it inside
// the apiserver so that a namespace deletion completes with nothing but etcd and the
// apiserver running (tests, `kubectl delete ns` against a bare API). Every step is an
// idempotent compare-and-swap, so several apiservers doing it at once is harmless.
// It scans namespaces every intervalMs (one small list); only a Terminating namespace
// costs more than that.

import { isNotFound } from '../api/errors.js';
import { deepClone } from '../api/meta.js';
import { findResource, RESOURCES } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import type { Clock } from '../client/clock.js';
import type { Logger } from 'pino';
import { readyToRemove } from './registry/object-prep.js';
import type { Store } from './registry/store.js';

const nsRes = findResource('', 'v1', 'namespaces')!;

export class NamespaceCleanup {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), this.intervalMs);
    this.timer.unref();
  }

  /** One pass over every Terminating namespace; exported for tests. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const list = await this.store.list(nsRes, undefined, { predicate: (o) => !!o.metadata.deletionTimestamp, allowWatchBookmarks: false });
      for (const ns of list.items) {
        if (this.stopped) return;
        await this.cleanNamespace(ns);
      }
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'namespace cleanup pass failed; will retry');
    } finally {
      this.running = false;
    }
  }

  private async cleanNamespace(ns: KubeObject): Promise<void> {
    const name = ns.metadata.name!;
    let remaining = 0;
    for (const r of RESOURCES) {
      if (!r.namespaced) continue;
      const items = (await this.store.list(r, name, { allowWatchBookmarks: false })).items;
      remaining += items.length;
      for (const item of items) {
        const md = item.metadata;
        try {
          if (!md.deletionTimestamp) {
            await this.store.delete(r, name, md.name!, { dryRun: false });
          } else if (r.plural === 'pods' && Date.parse(md.deletionTimestamp) <= this.clock.now() && (md.deletionGracePeriodSeconds ?? 0) > 0) {
            // Grace is over and no agent confirmed: force it, or the namespace would
            // hang forever behind a pod on a dead node. An agent still running its
            // containers removes them once the pod is gone.
            await this.store.delete(r, name, md.name!, { dryRun: false, gracePeriodSeconds: 0 });
          }
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    if (remaining > 0) return;
    this.logger.info({ namespace: name }, 'namespace empty, removing it');
    try {
      await this.store.modify(nsRes, undefined, name, (current) => {
        const next = deepClone(current);
        const spec = (next.spec ?? {}) as { finalizers?: string[] };
        spec.finalizers = (spec.finalizers ?? []).filter((f) => f !== 'kubernetes');
        next.spec = spec;
        return readyToRemove(next) ? undefined : next;
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
