// The /scale (deployments, replicasets) and /binding (pods) subresources. Both are thin
// views over the main object, written with the same compare-and-swap as everything else.

import { errors } from '../../api/errors.js';
import { deepClone, setCondition } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import { labelSelectorToString } from '../../api/selectors/labels.js';
import type { Binding, KubeObject, LabelSelector, PodCondition, Scale } from '../../api/types.js';
import { parseResourceVersion } from '../list-options.js';
import { applyPatch, type PatchType, type Store } from './store.js';
import { prepareUpdate } from './object-prep.js';

/** The autoscaling/v1 Scale view of a Deployment or ReplicaSet. */
export function toScale(obj: KubeObject): Scale {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: LabelSelector };
  const status = (obj.status ?? {}) as { replicas?: number };
  const md = obj.metadata;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: md.name,
      namespace: md.namespace,
      uid: md.uid,
      resourceVersion: md.resourceVersion,
      creationTimestamp: md.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: spec.selector ? labelSelectorToString(spec.selector) : '' },
  };
}

function scaleReplicas(body: unknown): { replicas: number; resourceVersion?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.badRequest('the body must be a Scale object');
  const b = body as Scale;
  if (b.kind !== undefined && b.kind !== 'Scale') throw errors.badRequest(`the kind in the data (${String(b.kind)}) does not match the expected kind (Scale)`);
  const replicas = b.spec?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
    throw errors.invalid('Scale', b.metadata?.name ?? '', [
      { reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be an integer greater than or equal to 0` },
    ]);
  return { replicas, resourceVersion: b.metadata?.resourceVersion };
}

export async function updateScale(store: Store, r: ResourceInfo, ns: string, name: string, body: unknown, dryRun = false): Promise<Scale> {
  const { replicas, resourceVersion } = scaleReplicas(body);
  const bodyName = (body as Scale).metadata?.name;
  if (bodyName !== undefined && bodyName !== name) throw errors.badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
  const expectedRevision = resourceVersion ? parseResourceVersion(resourceVersion, 'metadata.resourceVersion') : undefined;
  const res = await store.modify(
    r,
    ns,
    name,
    (current) => {
      const next = deepClone(current);
      (next.spec as { replicas?: number }).replicas = replicas;
      return prepareUpdate(r, current, next);
    },
    { expectedRevision, dryRun },
  );
  return toScale(res.object);
}

export async function patchScale(store: Store, r: ResourceInfo, ns: string, name: string, type: PatchType, patch: unknown, dryRun = false): Promise<Scale> {
  let replicas = 0;
  const res = await store.modify(
    r,
    ns,
    name,
    (current) => {
      const scale = toScale(current);
      const patched = applyPatch(type, scale as KubeObject, patch);
      const parsed = scaleReplicas(patched);
      if (parsed.resourceVersion !== scale.metadata.resourceVersion)
        throw errors.conflict(r, name, 'the object has been modified; please apply your changes to the latest version and try again');
      replicas = parsed.replicas;
      const next = deepClone(current);
      (next.spec as { replicas?: number }).replicas = replicas;
      return prepareUpdate(r, current, next);
    },
    { dryRun },
  );
  return toScale(res.object);
}

/**
 * POST pods/{name}/binding: sets spec.nodeName exactly once. An already bound or
 * terminating pod is 409 Conflict, so two schedulers can never both win.
 */
export async function bindPod(store: Store, podRes: ResourceInfo, ns: string, name: string, body: unknown, nowIso: string): Promise<KubeObject> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.badRequest('the body must be a Binding object');
  const b = body as Binding;
  if (b.kind !== undefined && b.kind !== 'Binding') throw errors.badRequest(`the kind in the data (${String(b.kind)}) does not match the expected kind (Binding)`);
  if (b.metadata?.name !== undefined && b.metadata.name !== name)
    throw errors.badRequest(`the name of the binding (${b.metadata.name}) does not match the pod name on the URL (${name})`);
  if (b.metadata?.namespace && b.metadata.namespace !== ns) throw errors.badRequest(`the namespace of the binding (${b.metadata.namespace}) does not match the namespace on the URL (${ns})`);
  const node = b.target?.name;
  if (typeof node !== 'string' || node === '')
    throw errors.invalid('Binding', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value: the node to bind to' }]);
  if (b.target.kind !== undefined && b.target.kind !== '' && b.target.kind !== 'Node')
    throw errors.invalid('Binding', name, [{ reason: 'FieldValueNotSupported', field: 'target.kind', message: `Unsupported value: "${b.target.kind}": supported values: "Node"` }]);
  const res = await store.modify(podRes, ns, name, (current) => {
    const spec = (current.spec ?? {}) as { nodeName?: string };
    if (current.metadata.deletionTimestamp) throw errors.conflict(podRes, name, 'pod is being deleted, cannot be assigned to a host');
    if (spec.nodeName) throw errors.conflict(podRes, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    // `current` is this attempt's private copy (Store.modify): change it in place.
    const next = current;
    next.spec = { ...(next.spec ?? {}), nodeName: node } as typeof next.spec;
    const ann = b.metadata?.annotations;
    if (ann && typeof ann === 'object') next.metadata.annotations = { ...next.metadata.annotations, ...ann };
    const status = (next.status ?? {}) as { conditions?: PodCondition[] };
    status.conditions = setCondition(status.conditions as never, { type: 'PodScheduled', status: 'True' } as never, nowIso) as PodCondition[];
    next.status = status;
    // Binding is the one path that may change spec.nodeName, so it bypasses the
    // immutable-spec validation of ordinary updates; generation does not move (as Kubernetes).
    return next;
  });
  return res.object;
}
