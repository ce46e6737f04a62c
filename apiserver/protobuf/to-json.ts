// One protobuf message, read straight off the wire into the JSON object Go's
// encoding/json would write for it (so the rest of the apiserver sees what a JSON body
// would have carried). protobufjs gives the schema (field numbers, types) and the wire
// primitives; the walk is ours because its generated decoders would skip unknown fields
// silently, assign map keys such as `__proto__` onto plain objects, and accept a field
// sent with the wrong wire type. Every problem is a ProtobufError naming the message and
// field; nothing here throws anything else on bad input.

import protobuf from 'protobufjs';

export class ProtobufError extends Error {}

type Json = unknown;
type Obj = Record<string, Json>;

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const TIME = `${META}.Time`;
const MICRO_TIME = `${META}.MicroTime`;
const FIELDS_V1 = `${META}.FieldsV1`;
const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';
const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension';
// Go's `type ExtraValue []string`: a list in JSON, a message of `items` on the wire.
const EXTRA_VALUES = new Set(['k8s.io.api.authorization.v1.ExtraValue', 'k8s.io.api.authentication.v1.ExtraValue']);

/** Messages nest as deep as the schema goes (about 15 levels); this only guards a schema change. */
const MAX_DEPTH = 64;

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;

const WIRE_TYPES: Record<string, number> = {
  int32: VARINT, int64: VARINT, uint32: VARINT, uint64: VARINT, sint32: VARINT, sint64: VARINT, bool: VARINT,
  fixed64: FIXED64, sfixed64: FIXED64, double: FIXED64,
  fixed32: FIXED32, sfixed32: FIXED32, float: FIXED32,
  string: LENGTH, bytes: LENGTH,
};

function fullName(t: protobuf.Type): string {
  return t.fullName.slice(1);
}

function toNumber(v: number | protobuf.Long): number {
  return typeof v === 'number' ? v : protobuf.util.LongBits.from(v).toNumber();
}

const UTF8 = new TextDecoder();

/** A scalar of the given protobuf type (the reader sits on its value). */
function readScalar(r: protobuf.Reader, type: string): Json {
  switch (type) {
    // Not r.string(): protobufjs' Buffer reader cuts a string that runs past the end short
    // instead of failing; bytes() checks the length.
    case 'string': return UTF8.decode(r.bytes());
    case 'bytes': return Buffer.from(r.bytes()).toString('base64');
    case 'bool': return r.bool();
    case 'int32': return r.int32();
    case 'uint32': return r.uint32();
    case 'sint32': return r.sint32();
    case 'int64': return toNumber(r.int64());
    case 'uint64': return toNumber(r.uint64());
    case 'sint64': return toNumber(r.sint64());
    case 'fixed32': return r.fixed32();
    case 'sfixed32': return r.sfixed32();
    case 'fixed64': return toNumber(r.fixed64());
    case 'sfixed64': return toNumber(r.sfixed64());
    case 'double': return r.double();
    case 'float': return r.float();
    default: throw new ProtobufError(`unsupported protobuf type ${type}`);
  }
}

function isZero(v: Json): boolean {
  return v === '' || v === 0 || v === false;
}

/** Skips a field orch has no schema for; refuses it unless it carries the zero value. */
function skipUnknown(r: protobuf.Reader, wireType: number, where: string): void {
  let zero: boolean;
  switch (wireType) {
    case VARINT: zero = toNumber(r.uint64()) === 0; break;
    case FIXED64: zero = r.fixed64().toString() === '0'; break;
    case FIXED32: zero = r.fixed32() === 0; break;
    case LENGTH: {
      const len = r.uint32();
      const start = r.pos;
      r.skip(len);
      zero = isZeroMessage(r.buf.subarray(start, start + len), 0);
      break;
    }
    default: throw new ProtobufError(`${where}: unsupported wire type ${wireType}`);
  }
  // Go writes every non-pointer field, so a newer client's new field arrives as a zero
  // (or a struct of zeros) in every message; a set value orch cannot name would be lost,
  // so it is refused.
  if (!zero) throw new ProtobufError(`${where} is not a field orch knows (a newer client's field?)`);
}

/**
 * Whether length-delimited bytes are empty or read as a message whose every field is zero
 * (a Go struct left empty: `[0x0a, 0x00]` is a struct with one empty string). A non-empty
 * string or byte value never reads that way unless it is made of such bytes itself.
 */
function isZeroMessage(bytes: Uint8Array, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  const r = protobuf.Reader.create(bytes);
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === 0) return false; // field number 0 does not exist: not a message
      switch (tag & 7) {
        case VARINT: if (toNumber(r.uint64()) !== 0) return false; break;
        case FIXED64: if (r.fixed64().toString() !== '0') return false; break;
        case FIXED32: if (r.fixed32() !== 0) return false; break;
        case LENGTH: {
          const len = r.uint32();
          const start = r.pos;
          r.skip(len);
          if (!isZeroMessage(bytes.subarray(start, start + len), depth + 1)) return false;
          break;
        }
        default: return false;
      }
    }
    return true;
  } catch {
    return false; // ran past the end: not a message of zeros
  }
}

/** The JSON form of the special messages whose Go types marshal themselves. */
function special(name: string, m: Obj): Json | typeof NOT_SPECIAL {
  switch (name) {
    case TIME:
    case MICRO_TIME: {
      const seconds = (m.seconds as number | undefined) ?? 0;
      const nanos = (m.nanos as number | undefined) ?? 0;
      if (seconds === 0 && nanos === 0) return null; // Go's zero time marshals as null
      const ms = seconds * 1000 + (name === MICRO_TIME ? Math.floor(nanos / 1e6) : 0);
      const d = new Date(ms);
      // Go's Time marshals years 0-9999 only (RFC 3339).
      if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 0 || d.getUTCFullYear() > 9999)
        throw new ProtobufError(`${name}: seconds ${seconds} is out of range (years 0-9999)`);
      const iso = d.toISOString(); // 2024-01-02T03:04:05.678Z
      if (name === TIME) return `${iso.slice(0, 19)}Z`;
      return `${iso.slice(0, 19)}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
    }
    case INT_OR_STRING:
      return m.type === 1 ? ((m.strVal as string | undefined) ?? '') : ((m.intVal as number | undefined) ?? 0);
    case QUANTITY:
      return (m.string as string | undefined) ?? '0';
    case RAW_EXTENSION:
    case FIELDS_V1: {
      const raw = (name === RAW_EXTENSION ? m.raw : m.Raw) as string | undefined;
      if (raw === undefined || raw === '') return null;
      try {
        return JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
      } catch {
        throw new ProtobufError(`${name}: the embedded object is not JSON`);
      }
    }
    default:
      return EXTRA_VALUES.has(name) ? ((m.items as string[] | undefined) ?? []) : NOT_SPECIAL;
  }
}
const NOT_SPECIAL = Symbol('not special');

/** Special messages read with every field kept (their zero values matter). */
function isSpecial(name: string): boolean {
  return name === TIME || name === MICRO_TIME || name === INT_OR_STRING || name === QUANTITY || name === RAW_EXTENSION || name === FIELDS_V1 || EXTRA_VALUES.has(name);
}

/** Sets a key as an own property, even `__proto__` (the unsafe-key check then refuses it, as for JSON). */
function put(o: Obj, key: string, v: Json): void {
  Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
}

function jsonName(f: protobuf.FieldBase): string {
  const j = f.options?.['(json)'] as string | undefined;
  return j ?? f.name;
}

/** A map entry: key = 1, value = 2. */
function readMapEntry(r: protobuf.Reader, f: protobuf.MapField, depth: number, where: string): [string, Json] {
  const end = r.uint32() + r.pos;
  if (end > r.len) throw new ProtobufError(`${where}: truncated`);
  let key: Json = '';
  let value: Json = f.resolvedType instanceof protobuf.Type ? undefined : f.type === 'bytes' ? '' : f.type === 'string' ? '' : 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const id = tag >>> 3;
    if (id === 1) {
      if ((tag & 7) !== WIRE_TYPES[f.keyType]) throw new ProtobufError(`${where}: map key of wire type ${tag & 7}, expected ${WIRE_TYPES[f.keyType]} (${f.keyType})`);
      key = readScalar(r, f.keyType);
    }
    else if (id === 2) value = readValue(r, f, tag & 7, depth, where);
    else skipUnknown(r, tag & 7, `${where} entry field ${id}`);
  }
  if (r.pos !== end) throw new ProtobufError(`${where}: truncated`);
  if (value === undefined) value = readMessage(protobuf.Reader.create(new Uint8Array(0)), f.resolvedType as protobuf.Type, depth + 1);
  return [String(key), value];
}

/** One value of a field, checked against the wire type the schema expects. */
function readValue(r: protobuf.Reader, f: protobuf.FieldBase, wireType: number, depth: number, where: string): Json {
  if (f.resolvedType instanceof protobuf.Type) {
    if (wireType !== LENGTH) throw new ProtobufError(`${where}: wire type ${wireType}, expected ${LENGTH} (a message)`);
    const len = r.uint32();
    if (r.pos + len > r.len) throw new ProtobufError(`${where}: truncated`);
    const sub = protobuf.Reader.create(r.buf.subarray(r.pos, r.pos + len));
    r.skip(len);
    return readMessage(sub, f.resolvedType, depth + 1);
  }
  const expected = WIRE_TYPES[f.type];
  if (expected === undefined) throw new ProtobufError(`${where}: unsupported protobuf type ${f.type}`);
  if (wireType !== expected) throw new ProtobufError(`${where}: wire type ${wireType}, expected ${expected} (${f.type})`);
  return readScalar(r, f.type);
}

/**
 * Reads a whole message from `r` (to its end) into its JSON form. Throws ProtobufError
 * naming the message and field for a truncated message, a wrong wire type or an unknown
 * field with a value.
 */
export function readMessage(r: protobuf.Reader, type: protobuf.Type, depth = 0): Json {
  const name = fullName(type);
  if (depth > MAX_DEPTH) throw new ProtobufError(`${name}: nested too deeply`);
  const keepAll = isSpecial(name);
  const out: Obj = {};
  const inlined: Obj[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    const f: protobuf.FieldBase | undefined = type.fieldsById[id];
    if (!f) {
      skipUnknown(r, wireType, `field ${id} of ${name}`);
      continue;
    }
    const where = `${name}.${f.name}`;
    const key = jsonName(f);
    if (f instanceof protobuf.MapField) {
      if (wireType !== LENGTH) throw new ProtobufError(`${where}: wire type ${wireType}, expected ${LENGTH} (a map entry)`);
      const [k, v] = readMapEntry(r, f, depth, where);
      if (!Object.hasOwn(out, key)) put(out, key, {});
      put(out[key] as Obj, k, v);
    } else if (f.repeated) {
      if (!Object.hasOwn(out, key)) put(out, key, []);
      const list = out[key] as Json[];
      // Repeated numbers may come packed: one length-delimited run of values.
      if (wireType === LENGTH && WIRE_TYPES[f.type] !== undefined && WIRE_TYPES[f.type] !== LENGTH) {
        const end = r.uint32() + r.pos;
        if (end > r.len) throw new ProtobufError(`${where}: truncated`);
        while (r.pos < end) list.push(readScalar(r, f.type));
        if (r.pos !== end) throw new ProtobufError(`${where}: truncated`);
      } else list.push(readValue(r, f, wireType, depth, where));
    } else {
      const v = readValue(r, f, wireType, depth, where);
      if (keepAll) put(out, f.name, v);
      else if (f.options?.['(inline)']) {
        if (v !== null && typeof v === 'object') inlined.push(v as Obj);
      } else if (key === '-') {
        // not part of the JSON object
      } else if (isZero(v) && !f.options?.['(keep_zero)']) delete out[key];
      else put(out, key, v);
    }
  }
  if (r.pos !== r.len) throw new ProtobufError(`${name}: truncated`);
  for (const part of inlined) for (const [k, v] of Object.entries(part)) put(out, k, v);
  const s = special(name, out);
  return s === NOT_SPECIAL ? out : s;
}
