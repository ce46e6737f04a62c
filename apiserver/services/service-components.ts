// The Service parts of an apiserver (see ../components.ts for the whole list):
//   service-allocations  (before the HTTP server) repair of the ClusterIP / node port
//                        keys from the stored Services, retried while etcd is down;
//                        then every Service write claims and releases its keys
//   kubernetes-service   (after it, once the port is known) the `kubernetes` Service,
//                        its Endpoints and this apiserver's lease
// Allocation needs the raw key operations of the etcd storage; a storage without them
// (a test double) serves Services without allocating.

import type { Clock } from '../../foundation/clock.js';
import { retryingComponent, type Component } from '../../foundation/component.js';
import type { Logger } from '../../foundation/logger.js';
import type { Store } from '../registry/store.js';
import type { RawKeyStorage, Storage } from '../storage/types.js';
import { repairAllocations } from './allocation-repair.js';
import { kubernetesServiceComponent } from './kubernetes-service.js';
import { ServiceAllocator } from './service-allocator.js';
import { ServiceClaims } from './service-claims.js';
import { parseServiceRanges, type ServiceRanges } from './service-ranges.js';

export interface ServiceComponentOptions {
  storage: Storage;
  serviceRanges?: ServiceRanges;
  kubernetesService?: { advertiseAddress: string; leaseDurationSeconds?: number; renewIntervalMs?: number };
}

function hasRawKeys(s: Storage): s is Storage & RawKeyStorage {
  const r = s as Partial<RawKeyStorage>;
  return typeof r.listKeys === 'function' && typeof r.writeKey === 'function';
}

export function serviceComponents(
  opts: ServiceComponentOptions,
  store: Store,
  logger: Logger,
  clock: Clock,
  port: () => number,
): { beforeServing: Component[]; afterServing: Component[] } {
  const storage = opts.storage;
  if (!hasRawKeys(storage)) return { beforeServing: [], afterServing: [] };
  const allocator = new ServiceAllocator(opts.serviceRanges ?? parseServiceRanges(), storage);
  store.claimsFor = (r) => (r.group === '' && r.plural === 'services' ? new ServiceClaims(allocator) : undefined);
  const log = logger.child({ component: 'service-allocations' });
  const repair = retryingComponent(
    'service-allocations',
    async (signal) => {
      try {
        await repairAllocations(storage, allocator, log);
        return true;
      } catch (err) {
        if (!signal.aborted) log.warn({ err }, 'cannot repair the service allocations yet; retrying');
        return false;
      }
    },
    { clock, intervalMs: 2000, notReady: 'service allocations not repaired yet' },
  );
  const k = opts.kubernetesService;
  const after = k
    ? [
        kubernetesServiceComponent({
          store,
          clusterIP: allocator.kubernetesIP(),
          address: k.advertiseAddress,
          port,
          clock,
          logger: logger.child({ component: 'kubernetes-service' }),
          leaseDurationSeconds: k.leaseDurationSeconds,
          renewIntervalMs: k.renewIntervalMs,
        }),
      ]
    : [];
  return { beforeServing: [repair], afterServing: after };
}
