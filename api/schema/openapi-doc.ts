// The model (model.ts) as OpenAPI: Swagger 2.0 `definitions` for /openapi/v2 and
// OpenAPI 3.0 `components.schemas` for /openapi/v3, shaped as kube-openapi prints
// upstream's (references to objects wrapped in allOf in v3, the special apimachinery
// types as formatted strings, the x-kubernetes-* extensions kubectl reads).

import type { FieldSchema, FieldType, SchemaModel, TypeSchema } from './model.js';

export type OpenApiVersion = 'v2' | 'v3';
type Json = Record<string, unknown>;

function refTo(name: string, v: OpenApiVersion): Json {
  return { $ref: v === 'v2' ? `#/definitions/${name}` : `#/components/schemas/${name}` };
}

function typeJson(t: FieldType, v: OpenApiVersion): Json {
  switch (t.kind) {
    case 'scalar':
      return t.format ? { type: t.type, format: t.format } : { type: t.type };
    case 'ref':
      return refTo(t.name, v);
    case 'array':
      return { type: 'array', items: typeJson(t.items, v) };
    case 'map':
      return { type: 'object', additionalProperties: typeJson(t.values, v) };
  }
}

function fieldJson(f: FieldSchema, v: OpenApiVersion): Json {
  // A reference with a description beside it: v3 ignores siblings of $ref, so upstream
  // wraps the reference in allOf there (kubectl's patch and explain code expect that).
  const out: Json = f.type.kind === 'ref' && v === 'v3' ? { allOf: [refTo(f.type.name, v)] } : typeJson(f.type, v);
  if (f.description) out.description = f.description;
  if (f.listType) out['x-kubernetes-list-type'] = f.listType;
  if (f.listMapKeys) out['x-kubernetes-list-map-keys'] = f.listMapKeys;
  if (f.mapType) out['x-kubernetes-map-type'] = f.mapType;
  if (f.patchMergeKey) out['x-kubernetes-patch-merge-key'] = f.patchMergeKey;
  if (f.patchStrategy) out['x-kubernetes-patch-strategy'] = f.patchStrategy;
  return out;
}

function primitiveJson(t: TypeSchema, v: OpenApiVersion): Json {
  switch (t.primitive) {
    case 'date-time':
      return { type: 'string', format: 'date-time' };
    case 'int-or-string':
      return v === 'v2'
        ? { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true }
        : { oneOf: [{ type: 'integer' }, { type: 'string' }], format: 'int-or-string', 'x-kubernetes-int-or-string': true };
    case 'quantity':
      return v === 'v2' ? { type: 'string' } : { oneOf: [{ type: 'string' }, { type: 'number' }] };
    default:
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
}

export function definitionJson(t: TypeSchema, v: OpenApiVersion): Json {
  const out: Json = { description: t.description };
  if (t.primitive) return { ...out, ...primitiveJson(t, v) };
  out.type = 'object';
  const required = Object.values(t.fields).filter((f) => f.required).map((f) => f.name);
  if (required.length) out.required = required;
  out.properties = Object.fromEntries(Object.values(t.fields).map((f) => [f.name, fieldJson(f, v)]));
  if (t.gvks) out['x-kubernetes-group-version-kind'] = t.gvks.map((g) => ({ group: g.group, kind: g.kind, version: g.version }));
  if (t.mapType) out['x-kubernetes-map-type'] = t.mapType;
  return out;
}

function refsOf(t: FieldType, out: string[]): void {
  if (t.kind === 'ref') out.push(t.name);
  else if (t.kind === 'array') refsOf(t.items, out);
  else if (t.kind === 'map') refsOf(t.values, out);
}

/** The definitions reachable from `roots` (their names, sorted). */
export function closure(model: SchemaModel, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
    const t = model.types.get(name);
    if (!t || seen.has(name)) continue;
    seen.add(name);
    for (const f of Object.values(t.fields)) refsOf(f.type, stack);
  }
  return [...seen].sort();
}

/** Definitions of `names` (all of the model when omitted), as v2 `definitions` or v3 `components.schemas`. */
export function definitionsJson(model: SchemaModel, v: OpenApiVersion, names?: Iterable<string>): Json {
  const list = names ? [...names] : [...model.types.keys()].sort();
  const out: Json = {};
  for (const n of list) {
    const t = model.types.get(n);
    if (t) out[n] = definitionJson(t, v);
  }
  return out;
}
