// Turns a request path + method into what the API layer needs to decide: which resource,
// namespace, name and subresource, and which Kubernetes verb. Mirrors the shape of
// Kubernetes' RequestInfoFactory so authorization and metrics speak the same words.

import { errors } from '../api/errors.js';
import { findResource, RESOURCES, type ResourceInfo, type Verb } from '../api/resources.js';
import { fieldSelectorRequirements } from '../api/selectors/fields.js';
import { findVirtualResource, VIRTUAL_RESOURCES } from './registry/virtual-kinds.js';
import { CONVERTED_RESOURCES, findConvertedResource } from './registry/converted-kinds.js';
import { CRD_RESOURCE, findCrdResource } from './crd/crd-resource.js';

/** Stored kinds, the CRD kind, converted views, and the create-only ones answered without storage (registry/virtual-kinds.ts). */
const SERVED: readonly ResourceInfo[] = [...RESOURCES, CRD_RESOURCE, ...CONVERTED_RESOURCES, ...VIRTUAL_RESOURCES];

/** Resources beyond the fixed table: the custom resources of CRDs (crd/crd-registry.ts). */
export interface ExtraResources {
  find(group: string, version: string, plural: string): ResourceInfo | undefined;
  hasGroup(group: string): boolean;
  hasGroupVersion(group: string, version: string): boolean;
}

export type DiscoveryPath =
  | { type: 'core-versions' } // /api
  | { type: 'groups' } // /apis
  | { type: 'group'; group: string } // /apis/apps
  | { type: 'resources'; group: string; version: string }; // /api/v1, /apis/apps/v1

export interface ResourceRequest {
  type: 'resource';
  resource: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
  verb: Verb | 'connect';
  /**
   * list/watch only: the `field=value` terms of its fieldSelector (Kubernetes' authorizer
   * attributes carry them too), so an authorizer can allow "pods on my node" or "the one
   * ConfigMap named X" without allowing the whole collection. Unreadable selectors: absent
   * (the route answers their 400).
   */
  fieldRequirements?: Record<string, string>;
}

export type RequestInfo = DiscoveryPath | ResourceRequest;

// `namespaces/{name}/status` names a subresource of the namespace itself, not a
// collection inside it (same special case as Kubernetes).
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw errors.badRequest(`malformed path segment ${JSON.stringify(s)}`);
  }
}

function isWatch(query: Record<string, unknown>): boolean {
  const w = query.watch;
  return w === 'true' || w === '1';
}

/** Parse /api/... or /apis/... ; throws ApiError 404 for paths that name nothing. */
export function parseRequestInfo(method: string, pathname: string, query: Record<string, unknown>, extra?: ExtraResources): RequestInfo {
  const parts = pathname.split('/').filter((p) => p.length > 0).map(decodeSegment);
  const notFound = () => errors.notFoundMessage(`the server could not find the requested resource (${method} ${pathname})`);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return { type: 'core-versions' };
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { type: 'groups' };
    if (parts.length === 2) {
      if (!SERVED.some((r) => r.group === parts[1]) && !extra?.hasGroup(parts[1]!)) throw notFound();
      return { type: 'group', group: parts[1]! };
    }
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    throw notFound();
  }
  if (!SERVED.some((r) => r.group === group && r.version === version) && !extra?.hasGroupVersion(group, version)) throw notFound();
  if (rest.length === 0) return { type: 'resources', group, version };

  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3) throw notFound();
  const [plural, name, subresource] = rest as [string, string | undefined, string | undefined];
  const resource =
    findResource(group, version, plural) ??
    findConvertedResource(group, version, plural) ??
    findVirtualResource(group, version, plural) ??
    findCrdResource(group, version, plural) ??
    extra?.find(group, version, plural);
  if (!resource) throw notFound();
  if (namespace !== undefined && !resource.namespaced) throw notFound();
  if (subresource !== undefined && !resource.subresources.includes(subresource as never)) throw notFound();
  if (name === '') throw notFound();

  const m = method.toUpperCase();
  let verb: ResourceRequest['verb'];
  if (m === 'GET' || m === 'HEAD') {
    if (subresource === 'log') verb = 'get';
    else verb = name === undefined ? (isWatch(query) ? 'watch' : 'list') : isWatch(query) ? 'watch' : 'get';
  } else if (m === 'POST') verb = 'create';
  else if (m === 'PUT') verb = 'update';
  else if (m === 'PATCH') verb = 'patch';
  else if (m === 'DELETE') verb = name === undefined ? 'deletecollection' : 'delete';
  else throw errors.methodNotAllowed(`method ${method} is not supported`);

  const out: ResourceRequest = { type: 'resource', resource, namespace, name, subresource, verb };
  if ((verb === 'list' || verb === 'watch') && typeof query.fieldSelector === 'string') {
    const terms = exactFieldTerms(query.fieldSelector);
    if (terms) out.fieldRequirements = terms;
  }
  return out;
}

function exactFieldTerms(selector: string): Record<string, string> | undefined {
  try {
    const out: Record<string, string> = {};
    for (const t of fieldSelectorRequirements(selector)) if (t.operator === '=') out[t.field] = t.value;
    return Object.keys(out).length ? out : undefined;
  } catch {
    return undefined;
  }
}

/** "pods", "pods/status", "deployments/scale": the resource label used in metrics and authz messages. */
export function resourceLabel(info: ResourceRequest): string {
  return info.subresource ? `${info.resource.plural}/${info.subresource}` : info.resource.plural;
}
