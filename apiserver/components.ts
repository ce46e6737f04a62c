// The parts of an apiserver that start and stop (foundation/component.ts), in start order:
//
//   etcd               the storage; ready while etcd answers a read within 2 s; stop closes it
//   namespace-cache    list + watch of namespaces for namespaced creates
//   node-graph         list + watch of pods for the Node authorizer; ready once listed
//   bootstrap          default, kube-system, kube-node-lease, orch-node-lease (retried
//                      every 2 s while etcd does not answer); ready once they exist
//   rbac-policy        list + watch of the RBAC objects the authorizer decides on; loaded before serving
//   namespace-cleanup  empties Terminating namespaces
//   service-allocations  repair of the ClusterIP / node port keys (services/)
//   http-server        listen; on stop: 503 to new requests, watches ended, then closed
//   rbac-bootstrap     the default RBAC roles and bindings reconciled (authorization/rbac/components.ts)
//   kubernetes-service the `kubernetes` Service and its Endpoints (orch apiserver only)
//
// so the API is served last, once everything it relies on runs, and stops first.

import type { FastifyInstance } from 'fastify';
import type { Clock } from '../foundation/clock.js';
import { retryingComponent, type Component } from '../foundation/component.js';
import type { Logger } from '../foundation/logger.js';
import { ensureSystemNamespaces } from './bootstrap.js';
import type { NamespaceCache } from './namespace-cache.js';
import type { NodeGraph } from './authorization/node-graph.js';
import type { NamespaceCleanup } from './namespace-cleanup.js';
import type { Store } from './registry/store.js';
import type { Storage } from './storage/types.js';

export function storageComponent(storage: Storage): Component {
  return {
    name: 'etcd',
    // The etcd client connects on first use: an apiserver starts (and says why it is not
    // ready) while etcd is down, and serves as soon as it answers.
    start: async () => undefined,
    ready: async () => ((await storage.healthy()) ? undefined : 'etcd is not reachable'),
    stop: () => storage.close(),
  };
}

export function namespaceCacheComponent(cache: NamespaceCache): Component {
  return { name: 'namespace-cache', start: async () => cache.start(), stop: async () => cache.stop() };
}

/** Not ready before its first list: until then nodes cannot read their pods' Secrets. */
export function nodeGraphComponent(graph: NodeGraph): Component {
  return { name: 'node-graph', start: async () => graph.start(), stop: async () => graph.stop(), ready: () => graph.notReadyReason() };
}

export function bootstrapComponent(store: Store, logger: Logger, clock: Clock): Component {
  // etcd may not be up yet: keep trying in the background rather than failing start.
  return retryingComponent(
    'bootstrap',
    async (signal) => {
      try {
        await ensureSystemNamespaces(store);
        return true;
      } catch (err) {
        if (!signal.aborted) logger.warn({ err }, 'cannot create system namespaces yet; retrying');
        return false;
      }
    },
    { clock, intervalMs: 2000, notReady: 'system namespaces not created yet' },
  );
}

export function namespaceCleanupComponent(cleanup: NamespaceCleanup): Component {
  return { name: 'namespace-cleanup', start: async () => cleanup.start(), stop: async () => cleanup.stop() };
}

export function httpServerComponent(app: FastifyInstance, listen: { host: string; port: number }, beforeClose: () => void): Component {
  return {
    name: 'http-server',
    start: async () => {
      await app.listen(listen);
    },
    stop: async () => {
      beforeClose();
      await app.close();
    },
  };
}
