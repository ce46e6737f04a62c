// Kubernetes' ControllerRefManager: of the candidate objects in the owner's namespace,
// keep those the owner controls and that still match its selector, release the ones it
// controls that no longer match, and adopt matching orphans (after checking once, with a
// fresh read, that the owner still exists: never adopt for an owner being deleted).

import type { KubeObject, LabelSelector, OwnerReference } from '../../api/types.js';
import type { ResourceClient } from '../../client/types.js';
import { adopt, release } from './controller-ref.js';
import { controllerRefOf, isEmptySelector, selectorMatches } from './objects.js';

export interface ClaimOptions<T extends KubeObject> {
  owner: KubeObject;
  ownerRef: OwnerReference;
  selector: LabelSelector;
  candidates: readonly T[];
  rc: ResourceClient<T>;
  /** Fresh (uncached) check that the owner exists with the same uid and is not being deleted. */
  ownerStillExists(): Promise<boolean>;
}

/** The dependent vanished or changed under us (404 / conflict / failed uid test): the next event fixes it. */
async function tolerate<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === 404 || code === 409 || code === 422) return undefined;
    throw err;
  }
}

export async function claimObjects<T extends KubeObject>(o: ClaimOptions<T>): Promise<T[]> {
  const owned: T[] = [];
  const uid = o.owner.metadata.uid!;
  const deleting = !!o.owner.metadata.deletionTimestamp;
  const matches = (x: T) => !isEmptySelector(o.selector) && selectorMatches(o.selector, x.metadata.labels);
  let canAdopt: boolean | undefined;
  for (const x of o.candidates) {
    const ref = controllerRefOf(x);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches(x)) owned.push(x);
      else if (!deleting) await tolerate(release(o.rc, x, uid));
      continue;
    }
    if (deleting || x.metadata.deletionTimestamp || !matches(x)) continue;
    if (canAdopt === undefined) canAdopt = await o.ownerStillExists();
    if (!canAdopt) continue;
    const adopted = await tolerate(adopt(o.rc, x, o.ownerRef));
    if (adopted) owned.push(adopted);
  }
  return owned;
}

/** ownerStillExists for any owner kind. */
export function freshOwnerCheck<T extends KubeObject>(rc: ResourceClient<T>, owner: KubeObject): () => Promise<boolean> {
  return async () => {
    try {
      const fresh = await rc.get(owner.metadata.name!, owner.metadata.namespace);
      return fresh.metadata.uid === owner.metadata.uid && !fresh.metadata.deletionTimestamp;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return false;
      throw err;
    }
  };
}
