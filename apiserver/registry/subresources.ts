// The /scale (deployments, replicasets) and /binding (pods) subresources. Both are thin
// views over the main object, written with the same compare-and-swap as everything else.

import { errors, type StatusCause } from '../../api/errors.js';
import { deepClone, setCondition } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import { labelSelectorToString } from '../../api/selectors/labels.js';
import type { Binding, KubeObject, LabelSelector, ObjectMeta, PodCondition, Scale } from '../../api/types.js';
import { fe, int32Field, isObj, objField } from '../../api/validation/field-errors.js';
import { validateBinding } from '../../api/validation/index.js';
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

/** Scale's own rules: spec.replicas an int32 >= 0 (the flood guard: 2^31 is a 422 here). */
function scaleReplicas(b: Scale, name: string): { replicas: number; resourceVersion?: string } {
  if (b.kind !== undefined && b.kind !== 'Scale') throw errors.badRequest(`the kind in the data (${String(b.kind)}) does not match the expected kind (Scale)`);
  const causes: StatusCause[] = [];
  const spec = objField(b.spec, 'spec', causes);
  const replicas = spec && int32Field(spec.replicas, 'spec.replicas', causes, { min: 0 });
  if (causes.length === 0 && replicas === undefined) causes.push(fe.required('spec.replicas'));
  if (causes.length > 0 || replicas === undefined) throw errors.invalid('Scale', name, causes);
  const rv = b.metadata?.resourceVersion;
  if (rv !== undefined && rv !== null && typeof rv !== 'string') throw errors.invalid('Scale', name, [fe.invalid('metadata.resourceVersion', rv, 'must be a string')]);
  return { replicas, resourceVersion: rv ?? undefined };
}

export async function updateScale(store: Store, r: ResourceInfo, ns: string, name: string, body: unknown, dryRun = false): Promise<Scale> {
  if (!isObj(body)) throw errors.badRequest('the body must be a Scale object');
  const { replicas, resourceVersion } = scaleReplicas(body as Scale, name);
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
      if (!isObj(patched)) throw errors.invalid('Scale', name, [fe.invalid('', patched, 'the patched object must be a JSON object')]);
      const parsed = scaleReplicas(patched as Scale, name);
      // As for objects: a resourceVersion the patch sets is a precondition, a removed one is none.
      if (parsed.resourceVersion !== undefined && parsed.resourceVersion !== scale.metadata.resourceVersion)
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
 * terminating pod is 409 Conflict, so two schedulers can never both win. The Binding is
 * validated like any object (its annotations land on the pod), its uid and
 * resourceVersion are preconditions as in Kubernetes, and the bound pod goes through the
 * same checks as every other write (prepareUpdate), dryRun included.
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
  if (!isObj(body)) throw errors.badRequest('the body must be a Binding object');
  const b = body as Binding;
  if (b.kind !== undefined && b.kind !== 'Binding') throw errors.badRequest(`the kind in the data (${String(b.kind)}) does not match the expected kind (Binding)`);
  const md: ObjectMeta = isObj(b.metadata) ? (b.metadata as ObjectMeta) : {};
  if (md.name !== undefined && md.name !== name) throw errors.badRequest(`the name of the binding (${String(md.name)}) does not match the pod name on the URL (${name})`);
  if (md.namespace && md.namespace !== ns) throw errors.badRequest(`the namespace of the binding (${String(md.namespace)}) does not match the namespace on the URL (${ns})`);
  const causes = validateBinding(b as Record<string, unknown>, name, ns);
  if (causes.length > 0) throw errors.invalid('Binding', name, causes);
  const node = b.target.name;
  const expectedRevision = md.resourceVersion ? parseResourceVersion(md.resourceVersion, 'metadata.resourceVersion') : undefined;
  const res = await store.modify(
    podRes,
    ns,
    name,
    (current) => {
      const spec = (current.spec ?? {}) as { nodeName?: string };
      if (md.uid && md.uid !== current.metadata.uid)
        throw errors.conflict(podRes, name, `Precondition failed: UID in precondition: ${md.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
      if (current.metadata.deletionTimestamp) throw errors.conflict(podRes, name, 'pod is being deleted, cannot be assigned to a host');
      if (spec.nodeName) throw errors.conflict(podRes, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
      const next = deepClone(current);
      next.spec = { ...(next.spec ?? {}), nodeName: node } as typeof next.spec;
      if (md.annotations) next.metadata.annotations = { ...next.metadata.annotations, ...md.annotations };
      const status = (next.status ?? {}) as { conditions?: PodCondition[] };
      status.conditions = setCondition(status.conditions as never, { type: 'PodScheduled', status: 'True' } as never, nowIso) as PodCondition[];
      next.status = status;
      return prepareUpdate(podRes, current, next, { subresource: 'binding' });
    },
    { expectedRevision, dryRun: opts.dryRun },
  );
  return res.object;
}
