// The /scale (deployments, replicasets) and /binding (pods) subresources. Both are thin
// views over the main object, written with the same compare-and-swap as everything else;
// what they do to the object is api/strategies/subresources.ts.

import type { ResourceInfo } from '../../api/resources.js';
import type { KubeObject, Scale } from '../../api/types.js';
import type { PatchType } from '../../api/patch/apply.js';
import { boundPod, checkBinding, checkScaleBody, patchedScale, scaledObject, toScale } from '../../api/strategies/subresources.js';
import { parseResourceVersion } from '../list-options.js';
import type { FieldManager } from '../write-options.js';
import type { Store } from './store.js';

export { toScale };

export async function updateScale(store: Store, r: ResourceInfo, ns: string, name: string, body: unknown, dryRun = false, fieldManager?: FieldManager): Promise<Scale> {
  const { replicas, resourceVersion } = checkScaleBody(body, name);
  const expectedRevision = resourceVersion ? parseResourceVersion(resourceVersion, 'metadata.resourceVersion') : undefined;
  const w = { subresource: 'scale', fieldManager };
  const res = await store.modify(r, ns, name, (current) => store.tracked(r, current, scaledObject(r, current, replicas), w), { expectedRevision, dryRun });
  return toScale(res.object, r.custom?.scale);
}

export async function patchScale(store: Store, r: ResourceInfo, ns: string, name: string, type: PatchType, patch: unknown, dryRun = false, fieldManager?: FieldManager): Promise<Scale> {
  const w = { subresource: 'scale', fieldManager };
  const res = await store.modify(r, ns, name, (current) => store.tracked(r, current, patchedScale(r, current, type, patch, name), w), { dryRun });
  return toScale(res.object, r.custom?.scale);
}

/**
 * POST pods/{name}/binding: sets spec.nodeName exactly once (api/strategies). The
 * Binding's resourceVersion is a precondition, and the bound pod goes through the same
 * checks as every other write (prepareUpdate), dryRun included.
 */
export async function bindPod(
  store: Store,
  podRes: ResourceInfo,
  ns: string,
  name: string,
  body: unknown,
  nowIso: string,
  opts: { dryRun?: boolean } = {},
): Promise<KubeObject> {
  const binding = checkBinding(body, name, ns);
  const rv = (binding.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
  const expectedRevision = rv ? parseResourceVersion(rv, 'metadata.resourceVersion') : undefined;
  const res = await store.modify(podRes, ns, name, (current) => boundPod(podRes, current, binding, nowIso), { expectedRevision, dryRun: opts.dryRun });
  return res.object;
}
