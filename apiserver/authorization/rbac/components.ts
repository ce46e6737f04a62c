// The RBAC parts of an apiserver that start and stop (apiserver/components.ts lists them):
//   rbac-bootstrap  the default roles and bindings reconciled (retried every 2 s while etcd
//                   does not answer); ready once done. Started right after the server
//                   listens, as Kubernetes' rbac/bootstrap-roles post-start hook: a restart
//                   never waits for it, and /readyz waits for it
//   rbac-policy     the policy cache (list + watch of the four kinds); start waits up to
//                   5 s for the first list, so a server whose etcd answers serves with its
//                   policy loaded; ready once every kind is listed

import type { Clock } from '../../../foundation/clock.js';
import { retryingComponent, type Component } from '../../../foundation/component.js';
import type { Logger } from '../../../foundation/logger.js';
import type { Store } from '../../registry/store.js';
import type { Storage } from '../../storage/types.js';
import { reconcileBootstrapPolicy } from './bootstrap-reconcile.js';
import type { PolicyCache } from './policy-cache.js';

export function rbacBootstrapComponent(store: Store, storage: Storage, logger: Logger, clock: Clock): Component {
  return retryingComponent(
    'rbac-bootstrap',
    async (signal) => {
      try {
        await reconcileBootstrapPolicy(store, storage);
        return true;
      } catch (err) {
        if (!signal.aborted) logger.warn({ err }, 'cannot reconcile the default RBAC roles yet; retrying');
        return false;
      }
    },
    { clock, intervalMs: 2000, notReady: 'default RBAC roles not reconciled yet' },
  );
}

/** `waitForSync` false: nothing is authorized (no authentication), so serving need not wait. */
export function rbacPolicyComponent(cache: PolicyCache, opts: { waitForSync: boolean } = { waitForSync: true }): Component {
  return {
    name: 'rbac-policy',
    start: async (ctx) => {
      cache.start();
      if (opts.waitForSync) await cache.waitForSync(5000, ctx.signal);
    },
    ready: () => (cache.synced() ? undefined : 'RBAC policy not loaded yet'),
    stop: async () => cache.stop(),
  };
}
