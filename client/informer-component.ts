// Informers as one component (foundation/component.ts): start() starts them and, when the
// next components read their caches (controllers), waits until every cache holds its first
// list — giving up when the process stops; ready() says which are not synced yet; stop()
// stops them.

import type { Component } from '../foundation/component.js';

export interface SyncingInformer {
  start(): void;
  stop(): void;
  hasSynced(): boolean;
  waitForSync(signal?: AbortSignal): Promise<void>;
}

export function informersComponent(name: string, informers: readonly SyncingInformer[], opts: { waitForSync?: boolean } = {}): Component {
  return {
    name,
    async start(ctx) {
      for (const inf of informers) inf.start();
      // One at a time: they all list at once anyway, and one waiter at a time keeps the
      // listeners on the process's stop signal few (a dozen informers passed Node's 10).
      if (opts.waitForSync ?? true) for (const inf of informers) await inf.waitForSync(ctx.signal);
    },
    ready() {
      const waiting = informers.filter((i) => !i.hasSynced()).length;
      return waiting === 0 ? undefined : `${waiting} of ${informers.length} caches not synced`;
    },
    async stop() {
      for (const inf of informers) inf.stop();
    },
  };
}
