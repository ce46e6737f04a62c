// Admission: checks that run on the object a write is about to store (after the body is
// parsed, patched, defaulted and validated, before etcd), as Kubernetes' validating
// admission plugins do. A plugin refuses by throwing an ApiError (403 / 422), warns by
// adding to `request.warnings` (sent as `Warning: 299` headers, which kubectl prints),
// and leaves audit annotations in `request.auditAnnotations` for the audit log.
//
// Runs inside the store's compare-and-swap (store.ts `admit`), so it is synchronous and
// may run more than once for one request when the write is retried: warnings and
// annotations are therefore kept in a Set / by key.

import type { ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import type { UserInfo } from '../../foundation/token-auth.js';

/** What one HTTP request collects from admission: warnings for the reply, annotations for the audit log. */
export interface RequestAdmission {
  user?: UserInfo;
  /** fieldValidation of a JSON patch: checked on the patched object (the body is a list of operations). */
  jsonPatchFieldValidation?: 'Strict' | 'Warn';
  warnings: Set<string>;
  auditAnnotations: Map<string, string>;
}

export function newRequestAdmission(user?: UserInfo): RequestAdmission {
  return { user, warnings: new Set(), auditAnnotations: new Map() };
}

export interface AdmissionAttributes {
  resource: ResourceInfo;
  operation: 'create' | 'update';
  /** 'status' for /status writes; undefined for the object itself. */
  subresource?: string;
  object: KubeObject;
  /** The stored object (updates). */
  old?: KubeObject;
  /** The object's namespace as stored (namespaced kinds), for its labels. */
  namespace?: KubeObject;
  /** Absent for the apiserver's own writes (bootstrap, cleanup). */
  request?: RequestAdmission;
}

export type AdmissionPlugin = (a: AdmissionAttributes) => void;

/** Every plugin in order; the first to throw refuses the write. */
export function admissionChain(plugins: readonly AdmissionPlugin[]): AdmissionPlugin {
  return (a) => {
    for (const p of plugins) p(a);
  };
}
