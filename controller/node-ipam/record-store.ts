// The ConfigMap kube-system/orch-pod-network as a compare-and-swap cell: mutate(fn)
// reads the record, lets fn decide, and writes fn's record with the ConfigMap's
// resourceVersion as precondition. A 409 (another controller manager wrote first, or
// created it first) re-reads and runs fn again, so a decision is always taken on the
// record it is written over. Calls from this process's workers are serialised first:
// they would only conflict with each other, and the 409s are kept for real races.

import { isAlreadyExists, isConflict, isNotFound } from '../../api/errors.js';
import { POD_NETWORK_CONFIGMAP, POD_NETWORK_NAMESPACE, recordFromConfigMap, recordToData, type PodNetworkRecord } from '../../api/net/pod-network.js';
import type { ConfigMap } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import { deepEqual } from '../shared/objects.js';

export interface Mutation<T> {
  /** The record to store; undefined (or equal to the stored one) writes nothing. */
  record?: PodNetworkRecord;
  value: T;
}

/** Far more than two controller managers ever need; a bug, not a race, after this many. */
const MAX_ATTEMPTS = 200;

export class PodNetworkRecordStore {
  /** The ConfigMap as we last read or wrote it; dropped on a conflict. */
  private cached: ConfigMap | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  /** Conflicts met so far (tests and logs: proof that a race was resolved by re-reading). */
  conflicts = 0;

  constructor(
    private readonly client: Client,
    private readonly hooks: { onConflict?: () => void; onRecord?: (r: PodNetworkRecord) => void } = {},
  ) {}

  mutate<T>(fn: (current: PodNetworkRecord | undefined) => Mutation<T> | Promise<Mutation<T>>): Promise<T> {
    const run = this.tail.then(() => this.attempt(fn));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<ConfigMap | undefined> {
    try {
      return await this.client.configmaps.get(POD_NETWORK_CONFIGMAP, POD_NETWORK_NAMESPACE);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async attempt<T>(fn: (current: PodNetworkRecord | undefined) => Mutation<T> | Promise<Mutation<T>>): Promise<T> {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const cm = this.cached ?? (await this.read());
      this.cached = cm;
      const current = recordFromConfigMap(cm);
      const out = await fn(current);
      if (!out.record || (cm && deepEqual(cm.data ?? {}, recordToData(out.record)))) {
        if (current) this.hooks.onRecord?.(current);
        return out.value;
      }
      const data = recordToData(out.record);
      try {
        this.cached = cm
          ? await this.client.configmaps.update({ ...cm, data })
          : await this.client.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: POD_NETWORK_CONFIGMAP, namespace: POD_NETWORK_NAMESPACE }, data });
        this.hooks.onRecord?.(out.record);
        return out.value;
      } catch (err) {
        this.cached = undefined;
        // Conflict on update, AlreadyExists on create, NotFound when it was deleted meanwhile: read again.
        if (isConflict(err) || isAlreadyExists(err) || (cm && isNotFound(err))) {
          this.conflicts++;
          this.hooks.onConflict?.();
          continue;
        }
        throw err;
      }
    }
    throw new Error(`${POD_NETWORK_NAMESPACE}/${POD_NETWORK_CONFIGMAP}: still conflicting after ${MAX_ATTEMPTS} attempts`);
  }
}
