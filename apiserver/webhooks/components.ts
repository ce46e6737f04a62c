// Admission webhooks in the apiserver: the configuration cache (list + watch; the server
// is not ready before its first list, so a restarted apiserver never lets a request pass
// a webhook it has not loaded yet), the HTTPS client, and the dispatcher the store calls.

import type { Logger } from 'pino';
import type { Component } from '../../foundation/component.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import { isNotFound } from '../../api/errors.js';
import type { Store } from '../registry/store.js';
import type { Storage } from '../storage/types.js';
import type { ApiserverMetrics } from '../metrics.js';
import { WebhookDispatcher } from './dispatcher.js';
import { WebhookCache } from './webhook-cache.js';
import { WebhookClient } from './webhook-client.js';

export interface Webhooks {
  component: Component;
  dispatcher: WebhookDispatcher;
}

export function webhookAdmission(opts: {
  storage: Storage;
  store: Store;
  logger: Logger;
  metrics: ApiserverMetrics;
  /** Other served versions of a custom resource (matchPolicy Equivalent). */
  customResources: () => ResourceInfo[];
}): Webhooks {
  const cache = new WebhookCache(opts.storage, opts.logger);
  const services = findResource('', 'v1', 'services')!;
  const client = new WebhookClient(async (ns, name) => {
    try {
      return await opts.store.get(services, ns, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  });
  cache.onChange = () => client.prune(cache.keys());
  const dispatcher = new WebhookDispatcher(cache, client, {
    logger: opts.logger,
    equivalents: (r) => (r.custom ? opts.customResources().filter((x) => x.group === r.group && x.plural === r.plural && x.version !== r.version) : []),
    observer: { call: (name, type, operation, rejected, seconds) => opts.metrics.webhookDuration.observe({ name, type, operation, rejected: String(rejected) }, seconds) },
  });
  opts.store.webhooks = dispatcher;
  opts.store.webhookConfigWritten = (r, obj, removed) => cache.noteWrite(r, obj, removed);
  let synced = false;
  void cache.firstSync.then(() => (synced = true));
  return {
    dispatcher,
    component: {
      name: 'admission-webhooks',
      start: async () => cache.start(),
      stop: async () => {
        cache.stop();
        client.close();
      },
      ready: async () => (synced ? undefined : 'webhook configurations not listed yet'),
    },
  };
}
