// Conversion strategy None between the versions of a custom resource: objects are stored
// at the CRD's storage version, and only apiVersion changes on the way in and out (as
// Kubernetes' nopConverter). Objects read from etcd also get the version's schema
// defaults (Kubernetes defaults on read). Built-in kinds pass through untouched, and
// a custom kind read at its storage version with no defaults is not copied.

import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { deepClone } from '../../api/meta.js';

/** Objects of `r` need a rewrite when read (another version, or schema defaults). */
export function needsReadConversion(r: ResourceInfo): boolean {
  const c = r.custom;
  return c !== undefined && (c.storageVersion !== r.version || c.readDefaults !== undefined);
}

/** An object as read from storage, as the request's version shows it (a copy when changed). */
export function fromStorageVersion(r: ResourceInfo, obj: KubeObject): KubeObject {
  const c = r.custom;
  if (!c || !needsReadConversion(r)) return obj;
  const out = c.readDefaults ? deepClone(obj) : { ...obj };
  out.apiVersion = apiVersionOf(r);
  c.readDefaults?.(out);
  return out;
}

/**
 * An object this request just wrote (already pruned and defaulted by the write), as the
 * request's version shows it: only apiVersion may differ, no defaults to apply.
 */
export function writtenInRequestVersion(r: ResourceInfo, obj: KubeObject): KubeObject {
  const c = r.custom;
  if (!c || c.storageVersion === r.version) return obj;
  return { ...obj, apiVersion: apiVersionOf(r) };
}

/** An object of the request's version as it is stored. */
export function toStorageVersion(r: ResourceInfo, obj: KubeObject): KubeObject {
  const c = r.custom;
  if (!c || c.storageVersion === r.version) return obj;
  return { ...obj, apiVersion: `${r.group}/${c.storageVersion}` };
}
