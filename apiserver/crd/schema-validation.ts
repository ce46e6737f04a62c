// A custom resource version's openAPIV3Schema as an ajv validator: the structural schema
// (OpenAPI v3.0 dialect) translated to the JSON Schema ajv runs — nullable → a "null"
// type, x-kubernetes-int-or-string → integer or string, boolean exclusiveMinimum/Maximum
// → their numeric form, x-kubernetes-list-type set → uniqueItems, formats Kubernetes
// checks (date, date-time, uri, email, hostname, ipv4, ipv6, uuid, byte, int32, int64)
// checked, other formats ignored as Kubernetes does — compiled once per CRD version
// (crd-registry.ts caches by the CRD's resourceVersion). ajv's errors become Kubernetes'
// field errors: `spec.replicas: Invalid value: "three": spec.replicas in body must be of
// type integer: "three"`, Required value, Unsupported value for enums.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { StatusCause } from '../../api/errors.js';
import type { JSONSchemaProps } from '../../api/crd-types.js';
import { show } from '../../api/validation/field-errors.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const addFormats = addFormatsModule as unknown as (ajv: Ajv, formats: string[]) => Ajv;
const CHECKED_FORMATS = ['date', 'date-time', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid', 'byte', 'int32', 'int64'];

let shared: Ajv | undefined;
function ajv(): Ajv {
  if (shared) return shared;
  shared = new Ajv({ allErrors: true, verbose: true, strict: false, validateFormats: true, logger: false });
  addFormats(shared, CHECKED_FORMATS);
  return shared;
}

const COPIED = ['format', 'enum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'multipleOf', 'maxProperties', 'minProperties', 'required'];

/** The JSON Schema (draft-07) ajv validates with, from a structural schema node. */
export function toJsonSchema(s: JSONSchemaProps, root = false): Obj {
  const out: Obj = {};
  for (const k of COPIED) if (s[k] !== undefined) out[k] = s[k];
  if (typeof out.format === 'string' && !CHECKED_FORMATS.includes(out.format)) delete out.format;
  if (out.pattern !== undefined) out.pattern = String(out.pattern);
  if (s.maximum !== undefined) {
    if (s.exclusiveMaximum === true) out.exclusiveMaximum = s.maximum;
    else out.maximum = s.maximum;
  }
  if (s.minimum !== undefined) {
    if (s.exclusiveMinimum === true) out.exclusiveMinimum = s.minimum;
    else out.minimum = s.minimum;
  }
  let types: string[] | undefined;
  if (s['x-kubernetes-int-or-string']) types = ['integer', 'string'];
  else if (typeof s.type === 'string' && s.type !== '') types = [s.type];
  if (types && s.nullable) types.push('null');
  if (types) out.type = types.length === 1 ? types[0] : types;
  if (s.nullable && Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (s.properties) {
    const props: Obj = {};
    for (const [k, v] of Object.entries(s.properties)) {
      // metadata is checked as ObjectMeta by the apiserver; only name rules could apply.
      if (root && k === 'metadata') continue;
      props[k] = toJsonSchema(v);
    }
    out.properties = props;
  }
  if (root && Array.isArray(out.required)) out.required = (out.required as string[]).filter((r) => r !== 'metadata');
  if (isObj(s.additionalProperties)) out.additionalProperties = toJsonSchema(s.additionalProperties as JSONSchemaProps);
  if (s.items) out.items = toJsonSchema(s.items);
  if (s['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  for (const j of ['allOf', 'anyOf', 'oneOf'] as const) if (Array.isArray(s[j])) out[j] = (s[j] as JSONSchemaProps[]).map((x) => toJsonSchema(x));
  if (s.not) out.not = toJsonSchema(s.not);
  return out;
}

export function compileSchema(schema: JSONSchemaProps): ValidateFunction {
  return ajv().compile(toJsonSchema(schema, true));
}

/** /spec/items/0/name → spec.items[0].name */
function fieldOf(instancePath: string): string {
  let out = '';
  for (const seg of instancePath.split('/').slice(1)) {
    const k = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(k)) out += `[${k}]`;
    else out += out ? `.${k}` : k;
  }
  return out;
}

function causeOf(e: ErrorObject): StatusCause | undefined {
  const field = fieldOf(e.instancePath);
  const p = e.params as Record<string, unknown>;
  const at = field || '<root>';
  switch (e.keyword) {
    case 'required': {
      const f = field ? `${field}.${String(p.missingProperty)}` : String(p.missingProperty);
      return { reason: 'FieldValueRequired', field: f, message: 'Required value' };
    }
    case 'enum':
      return {
        reason: 'FieldValueNotSupported',
        field,
        message: `Unsupported value: ${show(e.data)}: supported values: ${((p.allowedValues as unknown[]) ?? []).map((v) => show(v)).join(', ')}`,
      };
    case 'type':
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${show(typeName(e.data))}: ${at} in body must be of type ${String(p.type).replace(/,/g, ' or ')}: ${show(e.data)}` };
    // anyOf/oneOf report their branches' errors as well; the branch errors say why.
    case 'anyOf':
    case 'oneOf':
    case 'if':
      return undefined;
    default:
      return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${show(e.data)}: ${at} in body ${e.message ?? 'is invalid'}` };
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The object's field errors under `validate` (empty when valid). */
export function schemaCauses(validate: ValidateFunction, obj: unknown): StatusCause[] {
  if (validate(obj)) return [];
  const out: StatusCause[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const c = causeOf(e);
    if (!c) continue;
    const key = `${c.field}|${c.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  if (out.length === 0) out.push({ reason: 'FieldValueInvalid', field: '', message: 'Invalid value: the object does not match its schema' });
  return out;
}
