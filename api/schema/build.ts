// Builds the schema model (model.ts) from message shapes (the structure, read from orch's
// protobuf schemas by the apiserver) and the notes (words and markers). Pure: no I/O.

import type { FieldSchema, FieldType, GroupVersionKind, SchemaModel, TypeSchema } from './model.js';
import { gvkKey } from './model.js';
import type { FieldNotes, TypeNotes } from './notes.js';
import { ORCH_NOTES } from './orch-notes.js';
import { UPSTREAM_NOTES } from './upstream-notes.js';

/** One field of a message, as the protobuf schema has it, named for JSON. */
export interface ShapeField {
  jsonName: string;
  /** A protobuf scalar type ('string', 'int32', ...) or, when `message`, a definition name. */
  type: string;
  message: boolean;
  repeated: boolean;
  /** map<string, type> */
  map: boolean;
  /** Go's `json:",inline"`: the message's fields join the parent's. */
  inline: boolean;
}

export interface MessageShape {
  /** The OpenAPI definition name, io.k8s.api.core.v1.Pod. */
  name: string;
  fields: ShapeField[];
}

/** A definition that is the body of some kinds; `listOf` makes it a list of that definition. */
export interface KindDef {
  name: string;
  gvks: GroupVersionKind[];
  listOf?: string;
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const PRIMITIVES: Record<string, TypeSchema['primitive']> = {
  [`${META}.Time`]: 'date-time',
  [`${META}.MicroTime`]: 'date-time',
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': 'int-or-string',
  'io.k8s.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'io.k8s.apimachinery.pkg.runtime.RawExtension': 'object',
  [`${META}.FieldsV1`]: 'object',
};

const SCALARS: Record<string, FieldType> = {
  string: { kind: 'scalar', type: 'string' },
  bytes: { kind: 'scalar', type: 'string', format: 'byte' },
  bool: { kind: 'scalar', type: 'boolean' },
  int32: { kind: 'scalar', type: 'integer', format: 'int32' },
  int64: { kind: 'scalar', type: 'integer', format: 'int64' },
  double: { kind: 'scalar', type: 'number', format: 'double' },
  float: { kind: 'scalar', type: 'number', format: 'float' },
};

function typeNotes(name: string): TypeNotes {
  const up = UPSTREAM_NOTES[name] ?? {};
  const own = ORCH_NOTES[name] ?? {};
  return { ...up, ...own, f: { ...up.f, ...own.f } };
}

function fieldNotes(typeName: string, field: string): FieldNotes {
  return { ...UPSTREAM_NOTES[typeName]?.f?.[field], ...ORCH_NOTES[typeName]?.f?.[field] };
}

function fieldType(f: ShapeField): FieldType {
  let t: FieldType | undefined = f.message ? { kind: 'ref', name: f.type } : SCALARS[f.type];
  if (!t) throw new Error(`schema: protobuf type ${f.type} of field ${f.jsonName} has no JSON form here`);
  if (f.map) t = { kind: 'map', values: t };
  else if (f.repeated) t = { kind: 'array', items: t };
  return t;
}

function field(owner: string, name: string, type: FieldType): FieldSchema {
  const n = fieldNotes(owner, name);
  const out: FieldSchema = { name, description: n.d ?? '', type };
  if (n.required) out.required = true;
  if (n.listType) out.listType = n.listType;
  if (n.listMapKeys) out.listMapKeys = n.listMapKeys;
  if (n.mapType) out.mapType = n.mapType;
  if (n.patchStrategy) out.patchStrategy = n.patchStrategy;
  if (n.patchMergeKey) out.patchMergeKey = n.patchMergeKey;
  return out;
}

const TYPE_META = `${META}.TypeMeta`;
const STRING: FieldType = { kind: 'scalar', type: 'string' };

export function buildSchemaModel(messages: readonly MessageShape[], kindDefs: readonly KindDef[]): SchemaModel {
  const shapes = new Map(messages.map((m) => [m.name, m]));
  const types = new Map<string, TypeSchema>();
  const kinds = new Map<string, string>();
  const queue: string[] = [];

  const fieldsOf = (name: string, out: Record<string, FieldSchema>): void => {
    const shape = shapes.get(name);
    if (!shape) throw new Error(`schema: no protobuf message for ${name}`);
    for (const f of shape.fields) {
      if (f.inline) {
        fieldsOf(f.type, out);
        continue;
      }
      const t = fieldType(f);
      out[f.jsonName] = field(name, f.jsonName, t);
      if (f.message) queue.push(f.type);
    }
  };

  const define = (name: string, withTypeMeta: boolean, listOf?: string): TypeSchema => {
    const notes = typeNotes(name);
    const t: TypeSchema = { name, description: notes.d ?? '', fields: {} };
    if (notes.mapType) t.mapType = notes.mapType;
    const primitive = PRIMITIVES[name];
    if (primitive) t.primitive = primitive;
    else {
      if (withTypeMeta) for (const k of ['apiVersion', 'kind']) t.fields[k] = field(TYPE_META, k, STRING);
      if (listOf) {
        t.fields.metadata = field(name, 'metadata', { kind: 'ref', name: `${META}.ListMeta` });
        t.fields.items = field(name, 'items', { kind: 'array', items: { kind: 'ref', name: listOf } });
        queue.push(`${META}.ListMeta`, listOf);
      } else fieldsOf(name, t.fields);
    }
    types.set(name, t);
    return t;
  };

  const missing: string[] = [];
  for (const k of kindDefs) {
    // A kind whose protobuf message is not written yet is left out (and listed), so one
    // new kind cannot take the whole OpenAPI down; the model's test requires them all.
    const message = k.listOf ?? k.name;
    if (!shapes.has(message) && !types.has(k.name)) {
      missing.push(k.name);
      continue;
    }
    const t = types.get(k.name) ?? define(k.name, true, k.listOf);
    t.gvks = [...(t.gvks ?? []), ...k.gvks];
    for (const g of k.gvks) kinds.set(gvkKey(g), k.name);
  }
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) if (!types.has(name)) define(name, false);
  return { types, kinds, missing };
}
