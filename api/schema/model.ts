// The schema model of every kind orch serves: one TypeSchema per OpenAPI definition
// (io.k8s.api.core.v1.Pod, io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta, ...), each
// field with its type, description and the list/map/patch semantics upstream declares.
// /openapi/v2 and /openapi/v3 are printed from it (openapi-doc.ts), `kubectl explain`
// and kubectl's strategic merge patches read those, and code that needs to know how a
// list merges (server-side apply) walks it directly: model.types.get(name).fields[...].
//
// Where it comes from (build.ts): the structure (field names, JSON names, types) is read
// from the protobuf schemas orch decodes request bodies with (apiserver/protobuf/schema/),
// so the two can never disagree about which fields a kind has; the words and markers come
// from upstream's Go types (upstream-notes.ts, generated) and orch's own notes
// (orch-notes.ts).

/** What a field holds. `ref` names another TypeSchema in the model. */
export type FieldType =
  | { kind: 'scalar'; type: 'string' | 'integer' | 'number' | 'boolean'; format?: 'int32' | 'int64' | 'byte' | 'double' | 'float' }
  | { kind: 'ref'; name: string }
  | { kind: 'array'; items: FieldType }
  | { kind: 'map'; values: FieldType };

export type ListType = 'atomic' | 'set' | 'map';

export interface FieldSchema {
  /** The JSON name. */
  name: string;
  description: string;
  type: FieldType;
  required?: boolean;
  /** x-kubernetes-list-type (and its keys): how server-side apply merges the list. */
  listType?: ListType;
  listMapKeys?: string[];
  /** x-kubernetes-map-type of a map or struct field ('atomic': replaced whole). */
  mapType?: 'atomic' | 'granular';
  /** x-kubernetes-patch-strategy ('merge', 'retainKeys', 'merge,retainKeys', 'replace'). */
  patchStrategy?: string;
  /** x-kubernetes-patch-merge-key: the key that identifies a list item in a strategic merge patch. */
  patchMergeKey?: string;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/**
 * One definition. Objects have `fields`; the special types of apimachinery are strings or
 * free-form objects on the wire and say so in `primitive`.
 */
export interface TypeSchema {
  name: string;
  description: string;
  fields: Record<string, FieldSchema>;
  /**
   * Set for types that are not JSON objects with fields: Time/MicroTime (date-time
   * strings), IntOrString (an integer or a string), Quantity (a string or a number),
   * RawExtension/FieldsV1 (any JSON object, kept as sent).
   */
  primitive?: 'date-time' | 'int-or-string' | 'quantity' | 'object';
  /** x-kubernetes-map-type of the struct (+structType=atomic upstream). */
  mapType?: 'atomic' | 'granular';
  /** The kinds this definition is the body of (x-kubernetes-group-version-kind). */
  gvks?: GroupVersionKind[];
}

export interface SchemaModel {
  types: ReadonlyMap<string, TypeSchema>;
  /** 'apps/v1/Deployment' (core: 'v1/Pod') → the definition's name. */
  kinds: ReadonlyMap<string, string>;
  /** Kinds left out because their protobuf message is missing (should be none). */
  missing: readonly string[];
}

export function gvkKey(g: GroupVersionKind): string {
  return g.group ? `${g.group}/${g.version}/${g.kind}` : `${g.version}/${g.kind}`;
}

/** The definition of a kind, or undefined when the model has none. */
export function kindSchema(model: SchemaModel, g: GroupVersionKind): TypeSchema | undefined {
  const name = model.kinds.get(gvkKey(g));
  return name === undefined ? undefined : model.types.get(name);
}

/** The TypeSchema a field's type leads to once arrays and maps are stepped through. */
export function elementType(model: SchemaModel, t: FieldType): TypeSchema | undefined {
  if (t.kind === 'ref') return model.types.get(t.name);
  if (t.kind === 'array') return elementType(model, t.items);
  if (t.kind === 'map') return elementType(model, t.values);
  return undefined;
}
