// How server-side apply treats each list of a kind: atomic (owned and replaced whole),
// a set of scalars, or a map whose elements are identified by key fields. Read from the
// schema model (api/schema/), the same one /openapi publishes: upstream's
// `x-kubernetes-list-type` / `x-kubernetes-list-map-keys`, or — where upstream only gives
// a patch strategy — a map by the patch merge key (or a set without one), as
// structured-merge-diff reads Kubernetes' schemas. Anything else is atomic, the default.

import { elementType, type FieldSchema, type SchemaModel, type TypeSchema } from '../schema/model.js';

export type ListType = { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: string[] };

/** The list type of the list at a path of field names (list elements are not part of the path). */
export type ListTypes = (fieldPath: readonly string[]) => ListType;

const ATOMIC: ListType = { type: 'atomic' };
const SET: ListType = { type: 'set' };

/** Defaults of key fields an element may leave out (upstream's schema defaults). */
export const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

function listTypeOf(f: FieldSchema): ListType {
  if (f.listType === 'map') return { type: 'map', keys: f.listMapKeys ?? [] };
  if (f.listType === 'set') return SET;
  if (f.listType === 'atomic') return ATOMIC;
  const merge = (f.patchStrategy ?? '').split(',').includes('merge');
  if (merge && f.patchMergeKey) return { type: 'map', keys: [f.patchMergeKey] };
  return merge ? SET : ATOMIC;
}

/** The list types of one definition (io.k8s.api.apps.v1.Deployment), answers cached by path. */
export function listTypesOf(model: SchemaModel, definition: string): ListTypes {
  const root = model.types.get(definition);
  const cache = new Map<string, ListType>();
  return (fieldPath) => {
    const key = fieldPath.join('.');
    let t = cache.get(key);
    if (!t) {
      t = walk(model, root, fieldPath);
      cache.set(key, t);
    }
    return t;
  };
}

function walk(model: SchemaModel, root: TypeSchema | undefined, fieldPath: readonly string[]): ListType {
  let type = root;
  for (let i = 0; i < fieldPath.length; i++) {
    const name = fieldPath[i]!;
    // Own fields only: a key named `constructor` or `toString` is no field of the schema.
    const f = type && Object.hasOwn(type.fields, name) ? type.fields[name] : undefined;
    if (!f) return ATOMIC;
    if (i === fieldPath.length - 1) return f.type.kind === 'array' ? listTypeOf(f) : ATOMIC;
    type = elementType(model, f.type);
  }
  return ATOMIC;
}
