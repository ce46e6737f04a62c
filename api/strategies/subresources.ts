// The /scale (deployments, replicasets) and /binding (pods) subresources as pure steps
// over the stored object: the Scale view and what a Scale write does, and what binding a
// pod to a node does. The apiserver runs them inside its compare-and-swap, the fake
// client on its map.

import { errors, type StatusCause } from '../errors.js';
import { deepClone, setCondition } from '../meta.js';
import type { ResourceInfo } from '../resources.js';
import { labelSelectorToString } from '../selectors/labels.js';
import type { Binding, KubeObject, LabelSelector, ObjectMeta, PodCondition, Scale } from '../types.js';
import { fe, int32Field, isObj, objField, text } from '../validation/field-errors.js';
import { validateBinding } from '../validation/index.js';
import { applyPatch, type PatchType } from '../patch/apply.js';
import { modifiedConflict, prepareUpdate } from './object-prep.js';
import type { CustomResourceSubresourceScale } from '../crd-types.js';

/** `.spec.replicas` → ['spec', 'replicas'] (the CRD's scale paths are simple field paths). */
function pathOf(p: string): string[] {
  return p.split('.').filter((x) => x !== '');
}

function readPath(obj: unknown, p: string): unknown {
  let v = obj;
  for (const k of pathOf(p)) v = isObj(v) ? v[k] : undefined;
  return v;
}

/** The Scale view of a custom resource, by its CRD's specReplicasPath/statusReplicasPath/labelSelectorPath. */
function customScale(obj: KubeObject, paths: CustomResourceSubresourceScale): Scale {
  const md = obj.metadata;
  const spec = readPath(obj, paths.specReplicasPath);
  const status = readPath(obj, paths.statusReplicasPath);
  const selector = paths.labelSelectorPath ? readPath(obj, paths.labelSelectorPath) : undefined;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: md.name, namespace: md.namespace, uid: md.uid, resourceVersion: md.resourceVersion, creationTimestamp: md.creationTimestamp },
    spec: { replicas: typeof spec === 'number' ? spec : 0 },
    status: { replicas: typeof status === 'number' ? status : 0, selector: typeof selector === 'string' ? selector : '' },
  };
}

/** The autoscaling/v1 Scale view of a Deployment or ReplicaSet (or a custom resource with `paths`). */
export function toScale(obj: KubeObject, paths?: CustomResourceSubresourceScale): Scale {
  if (paths) return customScale(obj, paths);
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

export interface ScaleWrite {
  replicas: number;
  /** A precondition when set. */
  resourceVersion?: string;
}

/** Scale's own rules: spec.replicas an int32 >= 0 (the flood guard: 2^31 is a 422 here). */
function scaleReplicas(b: Scale, name: string): ScaleWrite {
  if (b.kind !== undefined && b.kind !== 'Scale') throw errors.badRequest(`the kind in the data (${text(b.kind)}) does not match the expected kind (Scale)`);
  const causes: StatusCause[] = [];
  const spec = objField(b.spec, 'spec', causes);
  const replicas = spec && int32Field(spec.replicas, 'spec.replicas', causes, { min: 0 });
  if (causes.length === 0 && replicas === undefined) causes.push(fe.required('spec.replicas'));
  if (causes.length > 0 || replicas === undefined) throw errors.invalid('Scale', name, causes);
  const rv = b.metadata?.resourceVersion;
  if (rv !== undefined && rv !== null && typeof rv !== 'string') throw errors.invalid('Scale', name, [fe.invalid('metadata.resourceVersion', rv, 'must be a string')]);
  return { replicas, resourceVersion: rv ?? undefined };
}

/** A PUT .../scale body, checked (400 when it is no Scale of this object, 422 for bad replicas). */
export function checkScaleBody(body: unknown, name: string): ScaleWrite {
  if (!isObj(body)) throw errors.badRequest('the body must be a Scale object');
  const write = scaleReplicas(body as Scale, name);
  const bodyName = (body as Scale).metadata?.name;
  if (bodyName !== undefined && bodyName !== name) throw errors.badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
  return write;
}

/** The object a Scale write of `replicas` stores (an ordinary spec update: generation moves). */
export function scaledObject(resource: ResourceInfo, current: KubeObject, replicas: number): KubeObject {
  const next = deepClone(current);
  const paths = resource.custom?.scale;
  if (paths) {
    const keys = pathOf(paths.specReplicasPath);
    let at: Record<string, unknown> = next as unknown as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) {
      if (!isObj(at[k])) at[k] = {};
      at = at[k] as Record<string, unknown>;
    }
    at[keys[keys.length - 1]!] = replicas;
  } else (next.spec as { replicas?: number }).replicas = replicas;
  return prepareUpdate(resource, current, next);
}

/** PATCH .../scale: the patch applies to the Scale view; its resourceVersion, if any, is a precondition. */
export function patchedScale(resource: ResourceInfo, current: KubeObject, type: PatchType, patch: unknown, name: string): KubeObject {
  const scale = toScale(current, resource.custom?.scale);
  const patched = applyPatch(type, scale, patch);
  if (!isObj(patched)) throw errors.invalid('Scale', name, [fe.invalid('', patched, 'the patched object must be a JSON object')]);
  const parsed = scaleReplicas(patched as Scale, name);
  if (parsed.resourceVersion !== undefined && parsed.resourceVersion !== scale.metadata.resourceVersion) throw modifiedConflict(resource, name);
  return scaledObject(resource, current, parsed.replicas);
}

/**
 * A POST pods/{name}/binding body, checked: a Binding naming this pod (400 otherwise),
 * valid as an object (its annotations land on the pod; 422 naming the field).
 */
export function checkBinding(body: unknown, name: string, namespace: string): Binding {
  if (!isObj(body)) throw errors.badRequest('the body must be a Binding object');
  const b = body as Binding;
  if (b.kind !== undefined && b.kind !== 'Binding') throw errors.badRequest(`the kind in the data (${text(b.kind)}) does not match the expected kind (Binding)`);
  const md: ObjectMeta = isObj(b.metadata) ? (b.metadata as ObjectMeta) : {};
  if (md.name !== undefined && md.name !== name) throw errors.badRequest(`the name of the binding (${text(md.name)}) does not match the pod name on the URL (${name})`);
  if (md.namespace && md.namespace !== namespace) throw errors.badRequest(`the namespace of the binding (${text(md.namespace)}) does not match the namespace on the URL (${namespace})`);
  const causes = validateBinding(b as Record<string, unknown>, name, namespace);
  if (causes.length > 0) throw errors.invalid('Binding', name, causes);
  return b;
}

/**
 * The pod a binding stores: spec.nodeName set exactly once, with the PodScheduled
 * condition. An already bound or terminating pod is 409 Conflict, so two schedulers can
 * never both win; the Binding's uid is a precondition, as in Kubernetes.
 */
export function boundPod(podRes: ResourceInfo, current: KubeObject, binding: Binding, now: string): KubeObject {
  const name = current.metadata.name ?? '';
  const md: ObjectMeta = isObj(binding.metadata) ? (binding.metadata as ObjectMeta) : {};
  const spec = (current.spec ?? {}) as { nodeName?: string };
  if (md.uid && md.uid !== current.metadata.uid)
    throw errors.conflict(podRes, name, `Precondition failed: UID in precondition: ${md.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
  if (current.metadata.deletionTimestamp) throw errors.conflict(podRes, name, 'pod is being deleted, cannot be assigned to a host');
  if (spec.nodeName) throw errors.conflict(podRes, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
  const next = deepClone(current);
  next.spec = { ...(next.spec ?? {}), nodeName: binding.target.name } as typeof next.spec;
  if (md.annotations) next.metadata.annotations = { ...next.metadata.annotations, ...md.annotations };
  const status = (next.status ?? {}) as { conditions?: PodCondition[] };
  status.conditions = setCondition(status.conditions as never, { type: 'PodScheduled', status: 'True' } as never, now) as PodCondition[];
  next.status = status;
  return prepareUpdate(podRes, current, next, { subresource: 'binding' });
}
