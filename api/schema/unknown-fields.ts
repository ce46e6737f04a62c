// Fields of an object that its kind's schema does not have, as the paths Kubernetes names
// them in "strict decoding error: unknown field ..." (`spec.template.spec.containers[0].foo`).
// The apiserver uses it for fieldValidation (Strict: 400, Warn: a warning); the schema
// coverage test walks every object orch stores with it, so the model cannot fall behind.

import type { FieldType, SchemaModel, TypeSchema } from './model.js';

export interface UnknownFieldsOptions {
  /** A strategic merge patch: its directives ($patch, $setElementOrder/..., $retainKeys) are not fields. */
  patch?: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function unknownFields(model: SchemaModel, typeName: string, value: unknown, opts: UnknownFieldsOptions = {}): string[] {
  const out: string[] = [];
  const walkType = (t: FieldType, v: unknown, path: string): void => {
    if (t.kind === 'ref') {
      const def = model.types.get(t.name);
      if (def) walkObject(def, v, path);
    } else if (t.kind === 'array' && Array.isArray(v)) v.forEach((item, i) => walkType(t.items, item, `${path}[${i}]`));
    else if (t.kind === 'map' && isObject(v)) for (const [k, item] of Object.entries(v)) walkType(t.values, item, `${path}[${k}]`);
  };
  const walkObject = (def: TypeSchema, v: unknown, path: string): void => {
    // Primitives (times, quantities, free-form objects) have no fields to check.
    if (def.primitive || !isObject(v)) return;
    for (const [k, item] of Object.entries(v)) {
      if (opts.patch && k.startsWith('$')) continue;
      const f = Object.hasOwn(def.fields, k) ? def.fields[k] : undefined;
      const p = path ? `${path}.${k}` : k;
      if (f) walkType(f.type, item, p);
      else out.push(p);
    }
  };
  const root = model.types.get(typeName);
  if (root) walkObject(root, value, '');
  return out;
}
