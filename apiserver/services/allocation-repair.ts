// Repair of the allocation keys at apiserver start, from the stored Services: a key no
// Service holds is removed, a key a Service holds but etcd lacks is created (data from an
// older orch, a hand-edited etcd). Services and keys are read at one etcd revision and
// every fix is conditional (the key, and the Service it is made for, unchanged since
// then), so a repair racing live writes, or another apiserver's repair, never frees a key
// a Service just claimed nor claims one for a Service just deleted.

import { findResource } from '../../api/resources.js';
import type { Logger } from '../../foundation/logger.js';
import { collectionPrefix, objectKeyFor } from '../registry/keys.js';
import type { RawKey, RawKeyStorage, Storage } from '../storage/types.js';
import { NODE_PORTS_PREFIX, SERVICE_IPS_PREFIX, type ServiceAllocator } from './service-allocator.js';

export interface RepairCounts {
  services: number;
  created: number;
  removed: number;
  /** Keys whose owner was another Service than the one that holds the value now. */
  replaced: number;
  /** Values two Services both hold (left to the first; the second is logged). */
  doubles: number;
  /** Fixes skipped because the key or its Service changed meanwhile (a live write did it). */
  raced: number;
}

export async function repairAllocations(storage: Storage & RawKeyStorage, alloc: ServiceAllocator, logger: Logger): Promise<RepairCounts> {
  const svcRes = findResource('', 'v1', 'services')!;
  const services = await storage.list(collectionPrefix(svcRes));
  const rev = services.revision;
  const want = new Map<string, { value: string; svcKey: string; svcRev: number; name: string }>();
  const counts: RepairCounts = { services: services.items.length, created: 0, removed: 0, replaced: 0, doubles: 0, raced: 0 };
  for (const svc of services.items) {
    const name = `${svc.metadata.namespace}/${svc.metadata.name}`;
    for (const h of alloc.heldKeys(svc)) {
      const first = want.get(h.key);
      if (first) {
        counts.doubles++;
        logger.warn({ key: h.key, service: name, holder: first.name }, 'two Services hold the same address or port; the first keeps it, change the other');
        continue;
      }
      const svcKey = objectKeyFor(svcRes, svc.metadata.namespace, svc.metadata.name!);
      want.set(h.key, { value: h.value, svcKey, svcRev: Number(svc.metadata.resourceVersion), name });
    }
  }
  const have: RawKey[] = [];
  for (const prefix of [SERVICE_IPS_PREFIX, NODE_PORTS_PREFIX]) have.push(...(await storage.listKeys(prefix, rev)).items);
  const fix = async (ok: Promise<boolean>, what: 'created' | 'removed' | 'replaced') => {
    if (await ok) counts[what]++;
    else counts.raced++;
  };
  for (const k of have) {
    const w = want.get(k.key);
    if (!w) await fix(storage.writeKey(k.key, null, { modRevision: k.modRevision }), 'removed');
    else if (w.value !== k.value) await fix(storage.writeKey(k.key, w.value, { modRevision: k.modRevision, whileKey: { key: w.svcKey, modRevision: w.svcRev } }), 'replaced');
  }
  const existing = new Set(have.map((k) => k.key));
  for (const [key, w] of want) {
    if (!existing.has(key)) await fix(storage.writeKey(key, w.value, { modRevision: 0, whileKey: { key: w.svcKey, modRevision: w.svcRev } }), 'created');
  }
  for (const s of [...alloc.ipSpaces.map((x) => x.space), alloc.nodePorts]) await s.refresh();
  const changed = counts.created + counts.removed + counts.replaced > 0;
  logger[changed || counts.doubles > 0 ? 'warn' : 'info'](counts, changed ? 'service allocations repaired' : 'service allocations checked');
  return counts;
}
