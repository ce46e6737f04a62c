// The structural-schema rules of a CustomResourceDefinition's openAPIV3Schema, as
// Kubernetes states them (apiextensions-apiserver pkg/apiserver/schema/validation.go):
// every node says its type (unless x-kubernetes-int-or-string or
// x-kubernetes-preserve-unknown-fields), arrays have items, properties and
// additionalProperties exclude each other, metadata may only constrain name and
// generateName, value validations (allOf/anyOf/oneOf/not) may not set types, defaults,
// nullable or extensions. Written here, not with a library: the rules are Kubernetes'
// own and no JSON Schema validator knows them. Also refused: keywords orch does not
// implement (x-kubernetes-validations: CEL; x-kubernetes-embedded-resource; $ref, ...),
// because a field orch accepts is a field it implements.

import type { StatusCause } from '../errors.js';
import { fe, isObj, type Obj } from './field-errors.js';

const TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];

/** Keywords a schema node may carry (everything else: 422). */
const KNOWN = new Set([
  'type', 'format', 'title', 'description', 'default', 'enum', 'nullable', 'example', 'externalDocs',
  'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern',
  'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'maxProperties', 'minProperties', 'required',
  'items', 'properties', 'additionalProperties', 'allOf', 'anyOf', 'oneOf', 'not',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys', 'x-kubernetes-map-type',
]);

/** Kubernetes' forbidden keywords, and what orch does not implement (with why). */
const REFUSED: Record<string, string> = {
  $ref: '$ref is not allowed in a structural schema',
  $schema: '$schema is not supported',
  id: 'id is not supported',
  definitions: 'definitions are not supported',
  dependencies: 'dependencies are not supported',
  additionalItems: 'additionalItems is not supported',
  patternProperties: 'patternProperties is not supported',
  'x-kubernetes-validations': 'not implemented by orch: CEL validation rules (x-kubernetes-validations)',
  'x-kubernetes-embedded-resource': 'not implemented by orch: embedded resources (x-kubernetes-embedded-resource)',
};

/** Keywords value validations (allOf/anyOf/oneOf/not) may not set. */
const NOT_IN_JUNCTORS = ['type', 'default', 'nullable', 'additionalProperties', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-map-type', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'description', 'title'];

interface Walk {
  out: StatusCause[];
  /** Inside allOf/anyOf/oneOf/not. */
  junctor: boolean;
}

function checkKeywords(s: Obj, path: string, w: Walk): void {
  for (const k of Object.keys(s)) {
    if (REFUSED[k] !== undefined) w.out.push(fe.forbidden(`${path}.${k}`, REFUSED[k]));
    else if (!KNOWN.has(k)) w.out.push(fe.forbidden(`${path}.${k}`, `unknown schema keyword ${JSON.stringify(k)}`));
  }
}

function walk(s: unknown, path: string, w: Walk, isMetadata = false, root = false): void {
  if (!isObj(s)) {
    w.out.push(fe.invalid(path, s, 'must be a JSON schema object'));
    return;
  }
  checkKeywords(s, path, w);
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (w.junctor) {
    for (const k of NOT_IN_JUNCTORS) if (s[k] !== undefined) w.out.push(fe.forbidden(`${path}.${k}`, 'must be empty to be structural (value validations may not set it)'));
  } else if (s.type === undefined || s.type === '') {
    if (!intOrString && !preserve) w.out.push(fe.required(`${path}.type`, 'must not be empty for specified object fields'));
  } else if (typeof s.type !== 'string' || !TYPES.includes(s.type)) {
    w.out.push(fe.notSupported(`${path}.type`, s.type, TYPES));
  }
  if (intOrString && !w.junctor && s.type !== undefined) w.out.push(fe.forbidden(`${path}.type`, 'must be empty if x-kubernetes-int-or-string is true'));
  if (s.properties !== undefined && s.additionalProperties !== undefined && s.additionalProperties !== false)
    w.out.push(fe.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  if (s.additionalProperties === false) w.out.push(fe.forbidden(`${path}.additionalProperties`, 'must not be false (pruning drops unknown fields)'));
  if (s.uniqueItems === true) w.out.push(fe.forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (s.type === 'array' && s.items === undefined && !w.junctor) w.out.push(fe.required(`${path}.items`, 'must be specified'));
  if (s.items !== undefined && Array.isArray(s.items)) w.out.push(fe.forbidden(`${path}.items`, 'items must be a schema object and not an array'));
  if (s.required !== undefined && (!Array.isArray(s.required) || s.required.some((r) => typeof r !== 'string'))) w.out.push(fe.invalid(`${path}.required`, s.required, 'must be a list of strings'));
  if (s.nullable !== undefined && typeof s.nullable !== 'boolean') w.out.push(fe.invalid(`${path}.nullable`, s.nullable, 'must be a boolean'));
  if (s.enum !== undefined && !Array.isArray(s.enum)) w.out.push(fe.invalid(`${path}.enum`, s.enum, 'must be a list'));
  if (s.pattern !== undefined) {
    try {
      new RegExp(String(s.pattern), 'u');
    } catch {
      w.out.push(fe.invalid(`${path}.pattern`, s.pattern, 'must be a valid regular expression'));
    }
  }
  const lt = s['x-kubernetes-list-type'];
  if (lt !== undefined) {
    if (!['atomic', 'set', 'map'].includes(String(lt))) w.out.push(fe.notSupported(`${path}.x-kubernetes-list-type`, lt, ['atomic', 'set', 'map']));
    if (s.type !== 'array') w.out.push(fe.invalid(`${path}.type`, s.type, 'must be array if x-kubernetes-list-type is specified'));
    if (lt === 'map' && (!Array.isArray(s['x-kubernetes-list-map-keys']) || (s['x-kubernetes-list-map-keys'] as unknown[]).length === 0))
      w.out.push(fe.required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
  }
  const mt = s['x-kubernetes-map-type'];
  if (mt !== undefined && mt !== 'atomic' && mt !== 'granular') w.out.push(fe.notSupported(`${path}.x-kubernetes-map-type`, mt, ['granular', 'atomic']));
  if (isMetadata && !w.junctor) {
    // Kubernetes: only name and generateName of metadata may be constrained.
    const props = isObj(s.properties) ? Object.keys(s.properties) : [];
    for (const k of props) if (k !== 'name' && k !== 'generateName') w.out.push(fe.forbidden(`${path}.properties[${k}]`, 'must not be specified: only metadata.name and metadata.generateName may be restricted'));
    if (s.type !== undefined && s.type !== 'object') w.out.push(fe.invalid(`${path}.type`, s.type, 'must be object'));
  }
  if (s.properties !== undefined) {
    if (!isObj(s.properties)) w.out.push(fe.invalid(`${path}.properties`, s.properties, 'must be an object'));
    else for (const [k, v] of Object.entries(s.properties)) walk(v, `${path}.properties[${k}]`, w, root && k === 'metadata');
  }
  if (isObj(s.additionalProperties)) walk(s.additionalProperties, `${path}.additionalProperties`, w);
  if (isObj(s.items)) walk(s.items, `${path}.items`, w);
  for (const j of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[j];
    if (list === undefined) continue;
    if (!Array.isArray(list)) w.out.push(fe.invalid(`${path}.${j}`, list, 'must be a list of schemas'));
    else list.forEach((x, i) => walk(x, `${path}.${j}[${i}]`, { out: w.out, junctor: true }));
  }
  if (s.not !== undefined) walk(s.not, `${path}.not`, { out: w.out, junctor: true });
}

/**
 * The causes that make `schema` (at `path`, e.g. spec.versions[0].schema.openAPIV3Schema)
 * not structural or not implemented by orch; empty when it is fine.
 */
export function structuralSchemaErrors(schema: unknown, path: string): StatusCause[] {
  const w: Walk = { out: [], junctor: false };
  if (!isObj(schema)) return [fe.required(path, 'a structural schema is required')];
  if (schema.type !== 'object') w.out.push(fe.invalid(`${path}.type`, schema.type, 'must be object at the root'));
  walk(schema, path, w, false, true);
  const props = isObj(schema.properties) ? schema.properties : {};
  for (const k of ['apiVersion', 'kind'] as const) {
    const p = props[k];
    if (isObj(p) && p.type !== undefined && p.type !== 'string') w.out.push(fe.invalid(`${path}.properties[${k}].type`, p.type, 'must be string'));
  }
  return w.out;
}
