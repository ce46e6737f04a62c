// OpenAPI v3 documents of custom resources (/openapi/v3/apis/<group>/<version>), so
// `kubectl explain` and kubectl's validation know them: the paths as for built-in kinds
// (routes/openapi-paths.ts) but without the strategic-merge content type (kubectl then
// sends merge patches for apply and edit, as for Kubernetes' CRs), the version's schema
// with apiVersion, kind and metadata filled in, its list, and the meta types they refer
// to. Built per group version when its CRDs change (crd-registry.ts hands out new
// ResourceInfos then), not per request.

import crypto from 'node:crypto';
import type { ResourceInfo } from '../../api/resources.js';
import type { JSONSchemaProps } from '../../api/crd-types.js';
import { definitionName } from '../../api/schema/kinds.js';
import { closure, definitionsJson } from '../../api/schema/openapi-doc.js';
import { schemaModel } from '../routes/openapi-model.js';
import { gvPath, META, PATCH_DEFINITION, pathsOf } from '../routes/openapi-paths.js';

type Json = Record<string, unknown>;
const STRATEGIC = 'application/strategic-merge-patch+json';

function kindSchema(r: ResourceInfo): Json {
  const s = (r.custom?.schema ?? { type: 'object' }) as JSONSchemaProps;
  const props: Json = { ...(s.properties ?? {}) };
  props.apiVersion = { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' };
  props.kind = { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' };
  props.metadata = { allOf: [{ $ref: `#/components/schemas/${META}.ObjectMeta` }], description: "Standard object's metadata." };
  return { ...s, type: 'object', properties: props, 'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.kind, version: r.version }] };
}

function listSchema(r: ResourceInfo): Json {
  return {
    type: 'object',
    required: ['items'],
    description: `${r.listKind} is a list of ${r.kind}`,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      items: { type: 'array', items: { $ref: `#/components/schemas/${definitionName(r.group, r.version, r.kind)}` } },
      metadata: { allOf: [{ $ref: `#/components/schemas/${META}.ListMeta` }] },
    },
    'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.listKind, version: r.version }],
  };
}

function withoutStrategic(paths: Json): Json {
  for (const item of Object.values(paths) as Json[]) {
    const patch = item.patch as { requestBody?: { content?: Json } } | undefined;
    if (patch?.requestBody?.content) delete patch.requestBody.content[STRATEGIC];
  }
  return paths;
}

export function customOpenApiV3(group: string, version: string, resources: readonly ResourceInfo[]): Json {
  const model = schemaModel();
  const roots = [`${META}.ObjectMeta`, `${META}.ListMeta`, `${META}.Status`, `${META}.DeleteOptions`];
  if (resources.some((r) => r.subresources.includes('scale'))) roots.push(definitionName('autoscaling', 'v1', 'Scale'));
  const schemas: Json = { ...definitionsJson(model, 'v3', closure(model, roots)), [PATCH_DEFINITION]: { type: 'object' } };
  for (const r of resources) {
    schemas[definitionName(r.group, r.version, r.kind)] = kindSchema(r);
    schemas[definitionName(r.group, r.version, r.listKind)] = listSchema(r);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'orch custom resources', version: `${group}/${version}` },
    paths: withoutStrategic(pathsOf(resources, 'v3')),
    components: { schemas },
  };
}

export interface CustomDoc {
  body: string;
  type: string;
  hash: string;
}

/** The documents of every served custom group version, rebuilt when their resources change. */
export class CustomOpenApi {
  private cache = new Map<string, { resources: readonly ResourceInfo[]; doc: CustomDoc }>();

  constructor(private readonly resources: () => readonly ResourceInfo[]) {}

  documents(): Map<string, CustomDoc> {
    const byGv = new Map<string, ResourceInfo[]>();
    for (const r of this.resources()) {
      const p = gvPath(r.group, r.version);
      let list = byGv.get(p);
      if (!list) byGv.set(p, (list = []));
      list.push(r);
    }
    const out = new Map<string, CustomDoc>();
    for (const [p, list] of byGv) {
      const hit = this.cache.get(p);
      if (hit && hit.resources.length === list.length && hit.resources.every((r, i) => r === list[i])) {
        out.set(p, hit.doc);
        continue;
      }
      const body = JSON.stringify(customOpenApiV3(list[0]!.group, list[0]!.version, list));
      const doc = { body, type: 'application/json', hash: crypto.createHash('sha512').update(body).digest('hex').slice(0, 128).toUpperCase() };
      this.cache.set(p, { resources: list, doc });
      out.set(p, doc);
    }
    for (const p of [...this.cache.keys()]) if (!byGv.has(p)) this.cache.delete(p);
    return out;
  }
}
