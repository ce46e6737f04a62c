// Field selectors ("?fieldSelector=spec.nodeName=node-1,status.phase!=Failed"). Only a
// fixed set of fields per kind is selectable, as in Kubernetes; anything else is a 400 so
// a typo never silently selects everything.

import { errors } from '../errors.js';
import type { ResourceInfo } from '../resources.js';
import type { KubeObject } from '../types.js';

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

type Getter = (obj: KubeObject) => unknown;

const get =
  (...path: string[]): Getter =>
  (obj) => {
    let cur: unknown = obj;
    for (const p of path) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
  };

const COMMON: Record<string, Getter> = {
  'metadata.name': get('metadata', 'name'),
  'metadata.namespace': get('metadata', 'namespace'),
};

// Selectable fields per kind beyond metadata.name/namespace (Kubernetes' field label
// conversion functions list the same ones).
const BY_KIND: Record<string, Record<string, Getter>> = {
  Pod: {
    'spec.nodeName': get('spec', 'nodeName'),
    'spec.schedulerName': get('spec', 'schedulerName'),
    'spec.restartPolicy': get('spec', 'restartPolicy'),
    'spec.serviceAccountName': get('spec', 'serviceAccountName'),
    'spec.hostNetwork': get('spec', 'hostNetwork'),
    'status.phase': get('status', 'phase'),
    'status.podIP': get('status', 'podIP'),
    'status.nominatedNodeName': get('status', 'nominatedNodeName'),
  },
  Event: {
    'involvedObject.kind': get('involvedObject', 'kind'),
    'involvedObject.namespace': get('involvedObject', 'namespace'),
    'involvedObject.name': get('involvedObject', 'name'),
    'involvedObject.uid': get('involvedObject', 'uid'),
    'involvedObject.apiVersion': get('involvedObject', 'apiVersion'),
    'involvedObject.resourceVersion': get('involvedObject', 'resourceVersion'),
    'involvedObject.fieldPath': get('involvedObject', 'fieldPath'),
    reason: get('reason'),
    reportingComponent: get('reportingComponent'),
    source: get('source', 'component'),
    type: get('type'),
  },
  Secret: { type: get('type') },
  Node: { 'spec.unschedulable': get('spec', 'unschedulable') },
  Namespace: { 'status.phase': get('status', 'phase') },
  ReplicaSet: { 'status.replicas': get('status', 'replicas') },
};

/** The getters usable in field selectors for a kind. */
export function selectableFields(resource: Pick<ResourceInfo, 'kind'> & { custom?: ResourceInfo['custom'] }): Record<string, Getter> {
  // Custom resources: metadata.name and metadata.namespace only (their kind may share a built-in's name).
  if (resource.custom) return COMMON;
  return { ...COMMON, ...(BY_KIND[resource.kind] ?? {}) };
}

/** Value of a selectable field as the string a selector compares against ('' if missing). */
export function fieldValue(resource: Pick<ResourceInfo, 'kind'> & { custom?: ResourceInfo['custom'] }, obj: KubeObject, field: string): string {
  const getter = selectableFields(resource)[field];
  if (!getter) throw errors.badRequest(`field label not supported: ${field}`);
  const v = getter(obj);
  if (v === undefined || v === null) return field === 'spec.unschedulable' || field === 'spec.hostNetwork' ? 'false' : '';
  return String(v);
}

/**
 * Splits a field selector into requirements without checking field names. Values may
 * escape ',', '=' and '\' with a backslash, as Kubernetes allows. Throws ApiError 400.
 */
export function fieldSelectorRequirements(s: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  if (s.trim() === '') return reqs;
  // Split on unescaped commas.
  const terms: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === ',') {
      terms.push(cur);
      cur = '';
    } else cur += c;
  }
  terms.push(cur);
  for (const raw of terms) {
    const term = raw.trim();
    if (term === '') throw errors.badRequest(`invalid field selector "${s}": empty requirement`);
    let idx = -1;
    let op: FieldRequirement['operator'] = '=';
    let opLen = 1;
    for (let i = 0; i < term.length; i++) {
      const c = term[i]!;
      if (c === '\\') {
        i++;
        continue;
      }
      if (c === '!' && term[i + 1] === '=') {
        idx = i;
        op = '!=';
        opLen = 2;
        break;
      }
      if (c === '=') {
        idx = i;
        op = '=';
        opLen = term[i + 1] === '=' ? 2 : 1;
        break;
      }
    }
    if (idx <= 0) throw errors.badRequest(`invalid field selector "${s}": "${term}" is not of the form field=value, field==value or field!=value`);
    const field = term.slice(0, idx).trim();
    const rawValue = term.slice(idx + opLen).trim();
    let value = '';
    for (let i = 0; i < rawValue.length; i++) {
      const c = rawValue[i]!;
      if (c === '\\' && i + 1 < rawValue.length) {
        const n = rawValue[i + 1]!;
        if (n !== '\\' && n !== ',' && n !== '=') throw errors.badRequest(`invalid field selector "${s}": invalid escape sequence "\\${n}"`);
        value += n;
        i++;
      } else if (c === '=' || (c === '!' && rawValue[i + 1] === '=')) {
        throw errors.badRequest(`invalid field selector "${s}": unescaped '=' in value of "${field}"`);
      } else value += c;
    }
    reqs.push({ field, operator: op, value });
  }
  return reqs;
}

/**
 * Compiles a field selector for one resource into a predicate. An empty selector matches
 * everything; `spec.nodeName=` matches pods not yet bound (the scheduler's pending set).
 * Throws ApiError 400 `field label not supported: X` for a field the kind does not expose.
 */
export function parseFieldSelector(s: string, resource: Pick<ResourceInfo, 'kind'> & { custom?: ResourceInfo['custom'] }): (obj: KubeObject) => boolean {
  const reqs = fieldSelectorRequirements(s);
  const fields = selectableFields(resource);
  for (const r of reqs) {
    if (!fields[r.field]) throw errors.badRequest(`field label not supported: ${r.field}`);
  }
  return (obj) => {
    for (const r of reqs) {
      const v = fieldValue(resource, obj, r.field);
      if (r.operator === '=' ? v !== r.value : v === r.value) return false;
    }
    return true;
  };
}
