// The customresourcecleanup.apiextensions.k8s.io finalizer, inside the apiserver (as the
// namespace cleanup is; Kubernetes runs it as a controller in its apiextensions server):
// a CRD being deleted gets the Terminating condition, its objects are deleted (each
// through the store, so their own finalizers still hold them), and once none is left the
// finalizer goes and the CRD with it. Creates of its resources are refused meanwhile
// (routes/resources.ts). Several apiservers may run this at once: deletes of objects
// already gone are ignored and the last write is a compare-and-swap.

import type { Logger } from 'pino';
import { CRD_CLEANUP_FINALIZER, type CustomResourceDefinition, type CustomResourceDefinitionCondition } from '../../api/crd-types.js';
import { deepClone } from '../../api/meta.js';
import type { Clock } from '../../foundation/clock.js';
import { nowIso } from '../../foundation/clock.js';
import type { Store } from '../registry/store.js';
import type { CrdRegistry } from './crd-registry.js';
import { CRD_RESOURCE } from './crd-resource.js';
import { customResources } from './custom-kinds.js';

export class CrdCleanup {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = true;

  constructor(
    private readonly store: Store,
    private readonly registry: CrdRegistry,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** A CRD changed: when it is being deleted, clean up now rather than at the next tick. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else void this.tick();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), this.intervalMs);
    this.timer.unref();
  }

  /** One pass over every CRD being deleted. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      do {
        this.again = false;
        for (const crd of this.registry.crds()) {
          if (this.stopped) return;
          if (!crd.metadata.deletionTimestamp || !(crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) continue;
          try {
            await this.clean(crd);
          } catch (err) {
            this.logger.warn({ err, crd: crd.metadata.name }, 'custom resource cleanup failed; retrying');
          }
        }
      } while (this.again && !this.stopped);
    } finally {
      this.running = false;
    }
  }

  private async clean(crd: CustomResourceDefinition): Promise<void> {
    const name = crd.metadata.name!;
    await this.setTerminating(name);
    // The storage version's resource, served or not: every object is stored under it.
    const r = customResources({ ...crd, spec: { ...crd.spec, versions: crd.spec.versions.map((v) => ({ ...v, served: v.storage })) } })[0];
    let remaining = 0;
    if (r) {
      const list = await this.store.list(r, undefined, { allowWatchBookmarks: false });
      for (const item of list.items) {
        if (item.metadata.deletionTimestamp) {
          remaining++;
          continue;
        }
        try {
          const res = await this.store.delete(r, item.metadata.namespace, item.metadata.name!, { dryRun: false });
          if (!res.removed) remaining++;
        } catch (err) {
          if ((err as { code?: number }).code !== 404) throw err;
        }
      }
    }
    if (remaining > 0) return;
    this.logger.info({ crd: name }, 'custom resources deleted; removing the CustomResourceDefinition');
    const current = await this.store.get(CRD_RESOURCE, undefined, name);
    const next = deepClone(current);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    try {
      await this.store.update(CRD_RESOURCE, undefined, name, next);
    } catch (err) {
      // Changed meanwhile (another apiserver, a user): the next pass tries again.
      if ((err as { code?: number }).code !== 409 && (err as { code?: number }).code !== 404) throw err;
    }
  }

  private async setTerminating(name: string): Promise<void> {
    const now = nowIso(this.clock);
    await this.store.modify(CRD_RESOURCE, undefined, name, (current) => {
      const conds = ((current as CustomResourceDefinition).status?.conditions ?? []) as CustomResourceDefinitionCondition[];
      if (conds.some((c) => c.type === 'Terminating' && c.status === 'True')) return current;
      const next = deepClone(current) as CustomResourceDefinition;
      next.status = {
        ...next.status,
        conditions: [
          ...conds.filter((c) => c.type !== 'Terminating' && c.type !== 'Established'),
          { type: 'Established', status: 'False', reason: 'Terminating', message: 'the CustomResourceDefinition is being deleted', lastTransitionTime: now },
          { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress', lastTransitionTime: now },
        ],
      };
      return next;
    });
  }
}
