// ObjectMeta rules shared by every kind: names, namespace, labels, annotations, owner
// references, finalizers, and what may not change on update.

import type { StatusCause } from '../errors.js';
import { arrayField, fe, int64Field, isObj, objField, stringMap, strField, type Obj } from './field-errors.js';
import { isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName } from './names.js';

/** Kubernetes caps the summed size of annotation keys and values at 256 KiB. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export type NameValidator = (name: string) => string[];

const DNS1035_LABEL_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Service names: DNS-1035 labels (start with a letter). */
export function isDns1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1035_LABEL_RE.test(value)) {
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123')",
    );
  }
  return errs;
}

export function validateLabels(labels: unknown, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  for (const [k, v] of stringMap(labels, field, out) ?? []) {
    for (const e of isQualifiedName(k)) out.push(fe.invalid(field, k, e));
    if (v !== undefined) for (const e of isLabelValue(v)) out.push(fe.invalid(field, v, e));
  }
  return out;
}

export function validateAnnotations(annotations: unknown, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  let total = 0;
  for (const [k, v] of stringMap(annotations, field, out) ?? []) {
    // Kubernetes checks annotation keys in lower case (keys are case-insensitive there).
    for (const e of isQualifiedName(k.toLowerCase())) out.push(fe.invalid(field, k, e));
    total += Buffer.byteLength(k) + Buffer.byteLength(v ?? '');
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) out.push(fe.tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return out;
}

function validateOwnerReferences(refs: unknown, field: string, out: StatusCause[]): void {
  const list = arrayField(refs, field, out);
  if (!list) return;
  let controllers = 0;
  const uids = new Set<string>();
  list.forEach((r, i) => {
    const f = `${field}[${i}]`;
    const ref = objField(r, f, out);
    if (!ref) return;
    for (const key of ['apiVersion', 'kind', 'name', 'uid'] as const) {
      const v = strField(ref[key], `${f}.${key}`, out);
      if (!v) {
        if (ref[key] === undefined || ref[key] === '' || ref[key] === null) out.push(fe.required(`${f}.${key}`));
      }
    }
    if (typeof ref.uid === 'string' && ref.uid) {
      if (uids.has(ref.uid)) out.push(fe.duplicate(`${f}.uid`, ref.uid));
      uids.add(ref.uid);
    }
    if (ref.controller === true) controllers++;
  });
  if (controllers > 1) out.push(fe.invalid(field, controllers, 'Only one reference can have Controller set to true'));
}

function validateFinalizers(finalizers: unknown, field: string, out: StatusCause[]): void {
  const list = arrayField(finalizers, field, out);
  if (!list) return;
  const seen = new Set<string>();
  list.forEach((f, i) => {
    if (typeof f !== 'string') {
      out.push(fe.invalid(`${field}[${i}]`, f, 'must be a string'));
      return;
    }
    for (const e of isQualifiedName(f)) out.push(fe.invalid(`${field}[${i}]`, f, e));
    if (seen.has(f)) out.push(fe.duplicate(`${field}[${i}]`, f));
    seen.add(f);
  });
}

export interface MetaOptions {
  namespaced: boolean;
  nameValidator: NameValidator;
  /** generateName may stand in for name (create only). */
  allowGenerateName: boolean;
}

/**
 * metadata on create and update. For namespaced kinds metadata.namespace must be set:
 * the apiserver copies it from the URL before validating.
 */
export function validateObjectMeta(meta: unknown, opts: MetaOptions, field = 'metadata'): StatusCause[] {
  const out: StatusCause[] = [];
  if (!isObj(meta)) {
    out.push(meta === undefined || meta === null ? fe.required(field) : fe.invalid(field, meta, 'must be an object'));
    return out;
  }
  const m = meta as Obj;
  const name = strField(m.name, `${field}.name`, out);
  const generateName = strField(m.generateName, `${field}.generateName`, out);
  if (generateName) {
    // A generated name is the prefix plus random characters, so a trailing '-' is fine.
    const masked = generateName.replace(/-+$/, '') || 'a';
    for (const e of opts.nameValidator(masked)) out.push(fe.invalid(`${field}.generateName`, generateName, e));
  }
  if (!name) {
    if (!(opts.allowGenerateName && generateName)) {
      if (m.name === undefined || m.name === '' || m.name === null) {
        out.push(fe.required(`${field}.name`, opts.allowGenerateName ? 'name or generateName is required' : ''));
      }
    }
  } else {
    for (const e of opts.nameValidator(name)) out.push(fe.invalid(`${field}.name`, name, e));
  }
  const ns = strField(m.namespace, `${field}.namespace`, out);
  if (opts.namespaced) {
    if (!ns) {
      if (m.namespace === undefined || m.namespace === '' || m.namespace === null) out.push(fe.required(`${field}.namespace`));
    } else for (const e of isDns1123Label(ns)) out.push(fe.invalid(`${field}.namespace`, ns, e));
  } else if (ns) {
    out.push(fe.forbidden(`${field}.namespace`, 'not allowed on this type'));
  }
  out.push(...validateLabels(m.labels, `${field}.labels`));
  out.push(...validateAnnotations(m.annotations, `${field}.annotations`));
  validateOwnerReferences(m.ownerReferences, `${field}.ownerReferences`, out);
  validateFinalizers(m.finalizers, `${field}.finalizers`, out);
  int64Field(m.generation, `${field}.generation`, out, { min: 0 });
  int64Field(m.deletionGracePeriodSeconds, `${field}.deletionGracePeriodSeconds`, out, { min: 0 });
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp'] as const) strField(m[k], `${field}.${k}`, out);
  return out;
}

/**
 * What may not change on update. A field the client left out is not a change (the
 * apiserver carries server-set fields over from the stored object).
 */
export function validateObjectMetaUpdate(meta: unknown, old: unknown, field = 'metadata'): StatusCause[] {
  const out: StatusCause[] = [];
  if (!isObj(meta) || !isObj(old)) return out;
  for (const k of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    const v = meta[k];
    if (v !== undefined && v !== null && v !== '' && old[k] !== undefined && v !== old[k]) out.push(fe.immutable(`${field}.${k}`, v));
  }
  // Once set, deletionTimestamp cannot be moved or cleared by an update.
  if (old.deletionTimestamp !== undefined && meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== old.deletionTimestamp) {
    out.push(fe.immutable(`${field}.deletionTimestamp`, meta.deletionTimestamp));
  }
  return out;
}

export { isDns1123Label, isDns1123Subdomain };
