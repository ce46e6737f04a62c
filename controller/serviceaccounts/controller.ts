// Kubernetes' ServiceAccountsController: every namespace has a ServiceAccount `default`.
// Created when a namespace appears, created again when someone deletes it; namespaces
// being deleted are left alone. Keys are namespace names.

import type { KubeObject, Namespace, ServiceAccount } from '../../api/types.js';
import { isAlreadyExists, isForbidden, isNotFound } from '../../api/errors.js';
import type { Client } from '../../client/types.js';
import type { Logger } from '../../foundation/logger.js';
import { done, type Result } from '../../client/reconcile-loop.js';
import type { Controller, InformerView, QueueView } from '../shared/types.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

export interface ServiceAccountsControllerDeps {
  client: Client;
  namespaces: InformerView<Namespace>;
  /** ServiceAccounts named `default` (the manager's informer selects metadata.name=default). */
  serviceAccounts: InformerView<ServiceAccount>;
  logger: Logger;
  queue: QueueView;
}

/** A namespace that takes no new objects: gone, or being deleted. */
export function isTerminating(ns: KubeObject | undefined): boolean {
  return !ns || !!ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating';
}

export class ServiceAccountsController implements Controller {
  readonly name = 'serviceaccount';

  constructor(private readonly deps: ServiceAccountsControllerDeps) {
    const q = deps.queue;
    deps.namespaces.addEventHandler({ onAdd: (n) => q.add(n.metadata.name!), onUpdate: (_o, n) => q.add(n.metadata.name!) });
    deps.serviceAccounts.addEventHandler({ onDelete: (sa) => q.add(sa.metadata.namespace!) });
  }

  async reconcile(ns: string): Promise<Result> {
    if (isTerminating(this.deps.namespaces.get(ns))) return done;
    if (this.deps.serviceAccounts.get(`${ns}/${DEFAULT_SERVICE_ACCOUNT}`)) return done;
    try {
      await this.deps.client.resource<ServiceAccount>('serviceaccounts').create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace: ns } });
      this.deps.logger.debug({ namespace: ns }, 'default service account created');
    } catch (err) {
      // There already (the cache lags), or the namespace went away or is terminating meanwhile.
      if (!isAlreadyExists(err) && !isNotFound(err) && !isForbidden(err)) throw err;
    }
    return done;
  }
}
