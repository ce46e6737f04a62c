// Builders for StatusCauses in Kubernetes' wording ("Required value", "Invalid value: ...")
// plus small typed readers that let validators walk untrusted JSON without crashing.

import type { StatusCause } from '../errors.js';

export type FieldErrorReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueDuplicate'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong';

export type Obj = Record<string, unknown>;

/** How Kubernetes quotes a value in messages: strings quoted, other JSON as is. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  // JSON has no Infinity or NaN (YAML does): JSON.stringify would print them as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    const s = JSON.stringify(value);
    return s === undefined ? typeof value : s.length > 200 ? `${s.slice(0, 200)}...` : s;
  } catch {
    return typeof value;
  }
}

/**
 * A client's value inside a message: strings as they are, anything else as show() prints
 * it. Never String(v): an object with its own `toString` member (a valid JSON key) would
 * make String() throw, turning a client's mistake into a 500.
 */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : show(value);
}

export const fe = {
  required: (field: string, detail = ''): StatusCause => ({
    reason: 'FieldValueRequired',
    message: detail ? `Required value: ${detail}` : 'Required value',
    field,
  }),
  invalid: (field: string, value: unknown, detail: string): StatusCause => ({
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${show(value)}: ${detail}`,
    field,
  }),
  duplicate: (field: string, value: unknown): StatusCause => ({
    reason: 'FieldValueDuplicate',
    message: `Duplicate value: ${show(value)}`,
    field,
  }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): StatusCause => ({
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${show(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
    field,
  }),
  forbidden: (field: string, detail: string): StatusCause => ({
    reason: 'FieldValueForbidden',
    message: `Forbidden: ${detail}`,
    field,
  }),
  tooLong: (field: string, max: number, unit = 'bytes'): StatusCause => ({
    reason: 'FieldValueTooLong',
    message: `Too long: may not be more than ${max} ${unit}`,
    field,
  }),
  immutable: (field: string, value: unknown): StatusCause => ({
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${show(value)}: field is immutable`,
    field,
  }),
};

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Pushes an Invalid cause unless v is absent or an object; returns v as an object or undefined. */
export function objField(v: unknown, field: string, out: StatusCause[]): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) {
    out.push(fe.invalid(field, v, 'must be an object'));
    return undefined;
  }
  return v;
}

/** Same for arrays. */
export function arrayField(v: unknown, field: string, out: StatusCause[]): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    out.push(fe.invalid(field, v, 'must be an array'));
    return undefined;
  }
  return v;
}

/** A string field: undefined when absent, Invalid when not a string. */
export function strField(v: unknown, field: string, out: StatusCause[]): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    out.push(fe.invalid(field, v, 'must be a string'));
    return undefined;
  }
  return v;
}

export function boolField(v: unknown, field: string, out: StatusCause[]): void {
  if (v !== undefined && v !== null && typeof v !== 'boolean') out.push(fe.invalid(field, v, 'must be a boolean'));
}

/**
 * Go's integer types, as the Kubernetes API declares each field. int64 stops at 2^53 - 1:
 * orch holds numbers as IEEE doubles, and beyond that a value is no longer the integer
 * the client sent (9007199254740993 parses as 9007199254740992).
 */
export const INT_TYPES = {
  int32: { min: -2147483648, max: 2147483647, what: 'a 32-bit integer' },
  int64: { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, what: 'an integer orch can hold exactly (|n| < 2^53)' },
} as const;
export type IntType = keyof typeof INT_TYPES;

/** Semantic bounds on top of the type's range (Kubernetes' validation: ports 1-65535, replicas >= 0, ...). */
export interface IntBounds {
  min?: number;
  max?: number;
}

/**
 * The one integer check every validator uses: absent is fine, a non-integer (1.5, "3",
 * true) is Invalid, and so is a value outside the field's Go type or its semantic bounds,
 * all with the field path. Returns the number when it is acceptable.
 */
export function intField(v: unknown, field: string, out: StatusCause[], type: IntType, bounds: IntBounds = {}): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    out.push(fe.invalid(field, v, 'must be an integer'));
    return undefined;
  }
  const t = INT_TYPES[type];
  const min = Math.max(t.min, bounds.min ?? t.min);
  const max = Math.min(t.max, bounds.max ?? t.max);
  if (v >= min && v <= max) return v;
  if (bounds.min !== undefined && bounds.max !== undefined) out.push(fe.invalid(field, v, `must be between ${min} and ${max}, inclusive`));
  else if (v < min) out.push(fe.invalid(field, v, `must be greater than or equal to ${min}${min === t.min ? ` (${t.what})` : ''}`));
  else out.push(fe.invalid(field, v, `must be less than or equal to ${max}${max === t.max ? ` (${t.what})` : ''}`));
  return undefined;
}

/** int32 field: replicas, ports, probe timings, counts, modes. */
export function int32Field(v: unknown, field: string, out: StatusCause[], bounds?: IntBounds): number | undefined {
  return intField(v, field, out, 'int32', bounds);
}

/** int64 field: grace periods, deadlines, toleration seconds, generation. */
export function int64Field(v: unknown, field: string, out: StatusCause[], bounds?: IntBounds): number | undefined {
  return intField(v, field, out, 'int64', bounds);
}

/**
 * A map of strings (labels, annotations, nodeSelector): Invalid for non-string values.
 * Returns every key with its value, or undefined for a non-string value, so callers
 * still check the keys of entries whose value is wrong.
 */
export function stringMap(v: unknown, field: string, out: StatusCause[]): [string, string | undefined][] | undefined {
  const o = objField(v, field, out);
  if (!o) return undefined;
  return Object.entries(o).map(([k, val]) => {
    if (typeof val === 'string') return [k, val];
    out.push(fe.invalid(`${field}[${k}]`, val, 'must be a string'));
    return [k, undefined];
  });
}

/** RFC 3339 date-time (what Go's time.RFC3339 / RFC3339Nano accept). */
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function isRfc3339(s: string): boolean {
  return RFC3339_RE.test(s) && !Number.isNaN(Date.parse(s));
}

export function timeField(v: unknown, field: string, out: StatusCause[]): void {
  const s = strField(v, field, out);
  if (s && !isRfc3339(s)) out.push(fe.invalid(field, s, 'must be an RFC 3339 timestamp (e.g. 2006-01-02T15:04:05Z)'));
}
