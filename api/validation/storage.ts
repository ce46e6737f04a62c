// Validation of PersistentVolume, PersistentVolumeClaim and StorageClass, after
// Kubernetes' ValidatePersistentVolume / ValidatePersistentVolumeClaim(Update) /
// ValidateStorageClass(Update), limited to what orch implements: a PV of type hostPath or
// local (with node affinity), nfs (mounted by Docker's local volume driver, agent/nfs-volumes.ts); Filesystem volumes; reclaim Retain or Delete. The
// words are Kubernetes' ("spec.accessModes: Unsupported value", "field can not be less
// than previous value", "is immutable after creation").

import type { StatusCause } from '../errors.js';
import { deepEqual } from '../meta.js';
import { isValidQuantity, parseQuantity } from '../quantity.js';
import { ACCESS_MODES } from '../storage/types.js';
import { enumField } from './container.js';
import { validateLabelSelector } from './deployment.js';
import { arrayField, boolField, fe, objField, stringMap, strField, type Obj } from './field-errors.js';
import { isDns1123Subdomain, isQualifiedName } from './names.js';
import { validateNodeSelectorRequirements } from './pod.js';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
/** Volume types a PV may name (Kubernetes' list); orch implements hostPath and local. */
const PV_SOURCES = ['hostPath', 'local', 'nfs', 'gcePersistentDisk', 'awsElasticBlockStore', 'glusterfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker', 'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos', 'csi'];
const IMPLEMENTED_SOURCES = new Set(['hostPath', 'local', 'nfs']);

function validateAccessModes(v: unknown, field: string, out: StatusCause[]): void {
  const modes = arrayField(v, field, out);
  if (!modes || modes.length === 0) {
    out.push(fe.required(field, 'at least 1 access mode is required'));
    return;
  }
  modes.forEach((m, i) => {
    if (!(ACCESS_MODES as readonly unknown[]).includes(m)) out.push(fe.notSupported(`${field}[${i}]`, m, ACCESS_MODES));
  });
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) out.push(fe.forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
}

function validateStorageQuantity(map: unknown, field: string, out: StatusCause[]): void {
  const o = objField(map, field, out);
  if (!o || o.storage === undefined || o.storage === null) {
    out.push(fe.required(`${field}[storage]`, ''));
    return;
  }
  for (const k of Object.keys(o)) if (k !== 'storage') out.push(fe.notSupported(`${field}[${k}]`, k, ['storage']));
  if (!isValidQuantity(o.storage)) out.push(fe.invalid(`${field}[storage]`, o.storage, 'must be a valid quantity'));
  else if (parseQuantity(o.storage as string) <= 0) out.push(fe.invalid(`${field}[storage]`, o.storage, `must be greater than zero`));
}

function validateClassName(v: unknown, field: string, out: StatusCause[]): void {
  const name = strField(v, field, out);
  if (name) for (const m of isDns1123Subdomain(name)) out.push(fe.invalid(field, name, m));
}

function validateVolumeMode(v: unknown, field: string, out: StatusCause[]): void {
  if (v === undefined || v === null || v === 'Filesystem') return;
  if (v === 'Block') out.push(fe.forbidden(field, 'not implemented by orch: raw block volumes (volumeMode Block)'));
  else out.push(fe.notSupported(field, v, ['Block', 'Filesystem']));
}

function absolutePath(v: unknown, field: string, out: StatusCause[]): void {
  const p = strField(v, field, out);
  if (!p) out.push(fe.required(field));
  else if (!p.startsWith('/')) out.push(fe.invalid(field, p, 'must be an absolute path'));
  else if (p.split('/').includes('..')) out.push(fe.invalid(field, p, "must not contain '..'"));
}

function validateNodeAffinity(v: unknown, field: string, out: StatusCause[]): boolean {
  const na = objField(v, field, out);
  if (!na) return false;
  const req = objField(na.required, `${field}.required`, out);
  if (!req) {
    out.push(fe.required(`${field}.required`, 'must specify required node constraints'));
    return false;
  }
  const terms = arrayField(req.nodeSelectorTerms, `${field}.required.nodeSelectorTerms`, out);
  if (!terms || terms.length === 0) out.push(fe.required(`${field}.required.nodeSelectorTerms`, 'must have at least one node selector term'));
  terms?.forEach((t, i) => {
    const term = objField(t, `${field}.required.nodeSelectorTerms[${i}]`, out);
    if (!term) return;
    validateNodeSelectorRequirements(term.matchExpressions, `${field}.required.nodeSelectorTerms[${i}].matchExpressions`, out);
    validateNodeSelectorRequirements(term.matchFields, `${field}.required.nodeSelectorTerms[${i}].matchFields`, out);
  });
  return true;
}

export function validatePersistentVolume(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = objField(obj.spec, 'spec', out);
  if (!spec) {
    if (obj.spec === undefined || obj.spec === null) out.push(fe.required('spec'));
    return out;
  }
  validateAccessModes(spec.accessModes, 'spec.accessModes', out);
  validateStorageQuantity(spec.capacity, 'spec.capacity', out);
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy === 'Recycle') out.push(fe.forbidden('spec.persistentVolumeReclaimPolicy', 'not implemented by orch: the Recycle reclaim policy (use Delete or Retain)'));
  else if (policy !== undefined) enumField(policy, 'spec.persistentVolumeReclaimPolicy', RECLAIM_POLICIES, out);
  validateClassName(spec.storageClassName, 'spec.storageClassName', out);
  validateVolumeMode(spec.volumeMode, 'spec.volumeMode', out);
  const hasAffinity = validateNodeAffinity(spec.nodeAffinity, 'spec.nodeAffinity', out);
  const sources = PV_SOURCES.filter((k) => spec[k] !== undefined && spec[k] !== null);
  if (sources.length === 0) out.push(fe.required('spec', 'must specify a volume type'));
  else if (sources.length > 1) out.push(fe.forbidden(`spec.${sources[1]}`, 'may not specify more than 1 volume type'));
  for (const s of sources)
    if (!IMPLEMENTED_SOURCES.has(s)) out.push(fe.forbidden(`spec.${s}`, `not implemented by orch: ${s} volumes (orch's PersistentVolumes are hostPath, local and nfs)`));
  const hp = objField(spec.hostPath, 'spec.hostPath', out);
  if (hp) {
    absolutePath(hp.path, 'spec.hostPath.path', out);
    if (hp.type !== undefined && hp.type !== null && hp.type !== '' && hp.type !== 'DirectoryOrCreate')
      out.push(fe.forbidden('spec.hostPath.type', 'not implemented by orch: hostPath types other than DirectoryOrCreate (the agent creates a missing directory)'));
  }
  const local = objField(spec.local, 'spec.local', out);
  if (local) {
    absolutePath(local.path, 'spec.local.path', out);
    if (local.fsType) out.push(fe.forbidden('spec.local.fsType', 'not implemented by orch: local block devices formatted on first use (fsType)'));
    if (!hasAffinity) out.push(fe.required('spec.nodeAffinity', 'Local volumes require node affinity'));
  }
  const nfs = objField(spec.nfs, 'spec.nfs', out);
  if (nfs) {
    if (!strField(nfs.server, 'spec.nfs.server', out)) out.push(fe.required('spec.nfs.server'));
    absolutePath(nfs.path, 'spec.nfs.path', out);
    boolField(nfs.readOnly, 'spec.nfs.readOnly', out);
  }
  const options = arrayField(spec.mountOptions, 'spec.mountOptions', out);
  if (options && options.length > 0 && !nfs) out.push(fe.forbidden('spec.mountOptions', 'may not specify mount options for this volume type'));
  options?.forEach((o, i) => strField(o, `spec.mountOptions[${i}]`, out));
  const ref = objField(spec.claimRef, 'spec.claimRef', out);
  if (ref) {
    for (const k of ['name', 'namespace', 'uid', 'kind', 'apiVersion', 'resourceVersion']) strField(ref[k], `spec.claimRef.${k}`, out);
    if (!ref.name) out.push(fe.required('spec.claimRef.name'));
    if (!ref.namespace) out.push(fe.required('spec.claimRef.namespace'));
  }
  return out;
}

export function validatePersistentVolumeUpdate(obj: Obj, old: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = (obj.spec ?? {}) as Obj;
  const was = (old.spec ?? {}) as Obj;
  const source = (s: Obj) => Object.fromEntries(PV_SOURCES.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
  if (!deepEqual(source(spec), source(was))) out.push(fe.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  if (spec.volumeMode !== was.volumeMode) out.push(fe.immutable('spec.volumeMode', spec.volumeMode));
  if (was.nodeAffinity !== undefined && !deepEqual(spec.nodeAffinity, was.nodeAffinity)) out.push(fe.immutable('spec.nodeAffinity', spec.nodeAffinity));
  return out;
}

export function validatePersistentVolumeClaim(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = objField(obj.spec, 'spec', out);
  if (!spec) {
    if (obj.spec === undefined || obj.spec === null) out.push(fe.required('spec'));
    return out;
  }
  validateAccessModes(spec.accessModes, 'spec.accessModes', out);
  const resources = objField(spec.resources, 'spec.resources', out);
  validateStorageQuantity(resources?.requests, 'spec.resources.requests', out);
  if (resources?.limits !== undefined && resources.limits !== null) {
    const limits = objField(resources.limits, 'spec.resources.limits', out);
    for (const [k, v] of Object.entries(limits ?? {})) {
      if (k !== 'storage') out.push(fe.notSupported(`spec.resources.limits[${k}]`, k, ['storage']));
      else if (!isValidQuantity(v)) out.push(fe.invalid(`spec.resources.limits[${k}]`, v, 'must be a valid quantity'));
    }
  }
  if (spec.selector !== undefined && spec.selector !== null) validateLabelSelector(spec.selector, 'spec.selector', out);
  validateClassName(spec.storageClassName, 'spec.storageClassName', out);
  const vn = strField(spec.volumeName, 'spec.volumeName', out);
  if (vn) for (const m of isDns1123Subdomain(vn)) out.push(fe.invalid('spec.volumeName', vn, m));
  validateVolumeMode(spec.volumeMode, 'spec.volumeMode', out);
  return out;
}

const storageOf = (spec: Obj): unknown => ((spec.resources as Obj | undefined)?.requests as Obj | undefined)?.storage;

export function validatePersistentVolumeClaimUpdate(obj: Obj, old: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = (obj.spec ?? {}) as Obj;
  const was = (old.spec ?? {}) as Obj;
  // What may change: volumeName once (the binder's), storageClassName from unset (the
  // default class), and the storage request; nothing else.
  const rest = (s: Obj, w: Obj) => {
    const c = { ...s };
    delete c.resources;
    if (!w.volumeName) delete c.volumeName;
    if (w.storageClassName === undefined) delete c.storageClassName;
    return c;
  };
  if (!deepEqual(rest(spec, was), rest(was, was)))
    out.push(fe.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  const now = storageOf(spec);
  const before = storageOf(was);
  if (isValidQuantity(now) && isValidQuantity(before)) {
    const n = parseQuantity(now as string);
    const b = parseQuantity(before as string);
    if (n < b) out.push(fe.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
    else if (n > b) out.push(fe.forbidden('spec.resources.requests.storage', 'not implemented by orch: volume expansion (a claim keeps the size it was created with)'));
  }
  const limitsChanged = !deepEqual((spec.resources as Obj | undefined)?.limits, (was.resources as Obj | undefined)?.limits);
  if (limitsChanged) out.push(fe.forbidden('spec.resources.limits', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  return out;
}

export function validateStorageClass(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const prov = strField(obj.provisioner, 'provisioner', out);
  if (!prov) out.push(fe.required('provisioner'));
  else for (const m of isQualifiedName(prov.toLowerCase())) out.push(fe.invalid('provisioner', prov, m));
  stringMap(obj.parameters, 'parameters', out);
  if (obj.reclaimPolicy !== undefined && obj.reclaimPolicy !== null) enumField(obj.reclaimPolicy, 'reclaimPolicy', RECLAIM_POLICIES, out);
  if (obj.volumeBindingMode !== undefined && obj.volumeBindingMode !== null) enumField(obj.volumeBindingMode, 'volumeBindingMode', BINDING_MODES, out);
  boolField(obj.allowVolumeExpansion, 'allowVolumeExpansion', out);
  return out;
}

export function validateStorageClassUpdate(obj: Obj, old: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  if (obj.provisioner !== old.provisioner) out.push(fe.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (!deepEqual(obj.parameters ?? {}, old.parameters ?? {})) out.push(fe.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (obj.reclaimPolicy !== old.reclaimPolicy) out.push(fe.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (obj.volumeBindingMode !== old.volumeBindingMode) out.push(fe.forbidden('volumeBindingMode', 'field is immutable'));
  return out;
}
