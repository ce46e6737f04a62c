// The schema model (api/schema/) built from the protobuf schemas orch decodes request
// bodies with: their messages give the structure (field names, JSON names, types), so a
// field added to a protobuf message is in the OpenAPI too, and a kind whose message is
// missing fails here (and in its test) instead of publishing a half schema.

import protobuf from 'protobufjs';
import { buildSchemaModel, type MessageShape, type ShapeField } from '../../api/schema/build.js';
import { ANSWER_SHAPES, servedKindDefs } from '../../api/schema/kinds.js';
import type { SchemaModel } from '../../api/schema/model.js';
import { schemaRoot } from '../protobuf/schemas.js';

/** k8s.io.api.core.v1.Pod → io.k8s.api.core.v1.Pod (protobuf package → OpenAPI name). */
function definitionName(t: protobuf.ReflectionObject): string {
  return t.fullName.slice(1).replace(/^k8s\.io\./, 'io.k8s.');
}

function shapeOf(t: protobuf.Type): MessageShape {
  const fields: ShapeField[] = [];
  for (const f of t.fieldsArray) {
    const json = (f.options?.['(json)'] as string | undefined) ?? f.name;
    if (json === '-') continue;
    const resolved = f.resolvedType;
    fields.push({
      jsonName: json,
      type: resolved instanceof protobuf.Type ? definitionName(resolved) : f.type,
      message: resolved instanceof protobuf.Type,
      repeated: f.repeated,
      map: f instanceof protobuf.MapField,
      inline: Boolean(f.options?.['(inline)']),
    });
  }
  return { name: definitionName(t), fields };
}

function messages(ns: protobuf.NamespaceBase, out: MessageShape[]): MessageShape[] {
  for (const o of ns.nestedArray) {
    if (o instanceof protobuf.Type) out.push(shapeOf(o));
    if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) messages(o, out);
  }
  return out;
}

let model: SchemaModel | undefined;

/** The model of every kind orch serves; built once, on first use. */
export function schemaModel(): SchemaModel {
  model ??= buildSchemaModel([...messages(schemaRoot(), []), ...ANSWER_SHAPES], servedKindDefs());
  return model;
}
