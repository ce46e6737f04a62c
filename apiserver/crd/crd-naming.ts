// CRD names inside the apiserver (Kubernetes runs a naming controller for this): each
// create or main-endpoint update of a CRD has its acceptedNames, NamesAccepted and
// Established decided against the other CRDs this server knows (api/crd-naming.ts), in
// the write itself, so a CRD whose plural, singular, short name, kind or listKind is
// already taken in its group is stored with NamesAccepted=False and, if it was never
// established, is not served (crd-registry.ts). When a CRD of a group changes or goes,
// the CRDs of that group still waiting for their names are written again (the same
// object, compare-and-swap) so that a freed name is taken up, as the naming controller
// requeues a group. Two apiservers creating clashing CRDs in the same instant may both
// accept them (each decides from its own view; Kubernetes serialises through one
// controller leader): a documented limit.

import type { Logger } from 'pino';
import { applyNaming, decideNames } from '../../api/crd-naming.js';
import type { CustomResourceDefinition } from '../../api/crd-types.js';
import type { KubeObject } from '../../api/types.js';
import { isObj } from '../../api/validation/field-errors.js';
import { nowIso, type Clock } from '../../foundation/clock.js';
import type { Store } from '../registry/store.js';
import type { CrdRegistry } from './crd-registry.js';
import { CRD_RESOURCE } from './crd-resource.js';

const terminating = (crd: CustomResourceDefinition) => !!crd.metadata.deletionTimestamp && (crd.status?.conditions ?? []).some((c) => c.type === 'Terminating');

/** The store's crdNaming hook over this server's registry of CRDs. */
export function crdNamingHook(registry: CrdRegistry, clock: Clock): (obj: KubeObject, current: KubeObject | undefined) => void {
  return (obj, current) => {
    const crd = obj as CustomResourceDefinition;
    // (A spec validation refused is never stored; a CRD being deleted keeps its conditions.)
    if (!isObj(crd.spec) || !isObj(crd.spec.names) || typeof crd.spec.group !== 'string' || terminating(crd)) return;
    const previous = current as CustomResourceDefinition | undefined;
    applyNaming(crd, previous, decideNames(crd, previous, registry.crds()), nowIso(clock));
  };
}

/** Writes again the CRDs of a group whose names are not (all) accepted, after a CRD of the group changed. */
export class CrdNamingRecheck {
  private readonly pending = new Set<string>();
  private running = false;

  constructor(
    private readonly store: Store,
    private readonly registry: CrdRegistry,
    private readonly logger: Logger,
  ) {}

  kick(group: string): void {
    this.pending.add(group);
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.size > 0) {
        const group = this.pending.values().next().value as string;
        this.pending.delete(group);
        for (const crd of this.registry.crds()) {
          if (crd.spec?.group !== group || terminating(crd)) continue;
          if (!(crd.status?.conditions ?? []).some((c) => c.type === 'NamesAccepted' && c.status !== 'True')) continue;
          try {
            // The same object: only the naming decision can change (unchanged: nothing is written).
            await this.store.update(CRD_RESOURCE, undefined, crd.metadata.name!, structuredClone(crd));
          } catch (err) {
            // 409: it changed meanwhile, and that write decided its names afresh. 404: gone.
            const code = (err as { code?: number }).code;
            if (code !== 409 && code !== 404) this.logger.warn({ err, crd: crd.metadata.name }, 'could not recheck the names of a CustomResourceDefinition');
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}
