// The `paths` of orch's OpenAPI documents: each resource's collection, object and
// subresource operations with their x-kubernetes-group-version-kind and x-kubernetes-action.
// kubectl reads three things here: the fieldValidation query parameter (then it leaves
// validation to the server: fieldValidation=Strict), the patch request body's content
// types (application/strategic-merge-patch+json: kubectl then computes strategic merge
// patches from the schemas' patch extensions), and the kinds of a group version.

import type { ResourceInfo } from '../../api/resources.js';
import { definitionName } from '../../api/schema/kinds.js';
import type { OpenApiVersion } from '../../api/schema/openapi-doc.js';

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
/** The body of a PATCH: any JSON, its meaning set by the content type. */
export const PATCH_DEFINITION = `${META}.Patch`;

export function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const WRITE_QUERY = ['dryRun', 'fieldManager', 'fieldValidation', 'pretty'];
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
type Json = Record<string, unknown>;

function ref(name: string, v: OpenApiVersion): Json {
  return { $ref: v === 'v2' ? `#/definitions/${name}` : `#/components/schemas/${name}` };
}

interface OpTarget {
  group: string;
  version: string;
  kind: string;
}

function operation(r: ResourceInfo, action: string, v: OpenApiVersion, target: OpTarget, list = false): Json {
  const body = definitionName(target.group, target.version, target.kind);
  const writes = action === 'put' || action === 'post' || action === 'patch';
  const params = writes ? WRITE_QUERY.map((name) => (v === 'v2' ? { name, in: 'query', type: 'string', uniqueItems: true } : { name, in: 'query', schema: { type: 'string', uniqueItems: true } })) : [];
  const op: Json = {
    operationId: `${action}${r.kind}${target.kind === r.kind ? '' : target.kind}`,
    parameters: params,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: target.group, kind: target.kind, version: target.version },
  };
  const deletes = action === 'delete' || action === 'deletecollection';
  const ok = deletes ? `${META}.Status` : list ? definitionName(target.group, target.version, r.listKind) : body;
  if (v === 'v2') {
    op.responses = { '200': { description: 'OK', schema: ref(ok, v) } };
    if (writes) {
      op.consumes = action === 'patch' ? PATCH_TYPES : ['*/*'];
      (op.parameters as Json[]).unshift({ name: 'body', in: 'body', required: true, schema: ref(action === 'patch' ? PATCH_DEFINITION : body, v) });
    }
    return op;
  }
  op.responses = { '200': { description: 'OK', content: { 'application/json': { schema: ref(ok, v) } } } };
  if (writes) {
    const types = action === 'patch' ? PATCH_TYPES : ['*/*'];
    const schema = ref(action === 'patch' ? PATCH_DEFINITION : body, v);
    op.requestBody = { required: true, content: Object.fromEntries(types.map((t) => [t, { schema }])) };
  }
  return op;
}

/** The paths of the given resources. */
export function pathsOf(resources: readonly ResourceInfo[], v: OpenApiVersion): Json {
  const paths: Json = {};
  for (const r of resources) {
    const self: OpTarget = { group: r.group, version: r.version, kind: r.kind };
    const op = (action: string, target = self, list = false) => operation(r, action, v, target, list);
    const base = `/${gvPath(r.group, r.version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
    paths[base] = { get: op('list', self, true), post: op('post'), delete: op('deletecollection') };
    paths[`${base}/{name}`] = { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') };
    for (const sub of r.subresources) {
      if (sub === 'approval') paths[`${base}/{name}/approval`] = { get: op('get'), put: op('put'), patch: op('patch') };
      if (sub === 'status') paths[`${base}/{name}/status`] = { get: op('get'), put: op('put'), patch: op('patch') };
      if (sub === 'scale') {
        const scale = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
        paths[`${base}/{name}/scale`] = { get: op('get', scale), put: op('put', scale), patch: op('patch', scale) };
      }
      if (sub === 'binding') paths[`${base}/{name}/binding`] = { post: op('post', { group: '', version: 'v1', kind: 'Binding' }) };
      if (sub === 'token') paths[`${base}/{name}/token`] = { post: op('post', { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }) };
    }
  }
  return paths;
}
