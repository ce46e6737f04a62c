// ConfigMap and Secret validation: key syntax, base64 data, the 1 MiB size cap, and the
// `immutable` flag that freezes data once set.

import type { StatusCause } from '../errors.js';
import { deepEqual } from '../meta.js';
import { fe, isObj, objField, strField, type Obj } from './field-errors.js';
import { isConfigMapKey } from './names.js';

/** etcd's default request limit is 1.5 MiB; Kubernetes caps these objects at 1 MiB. */
export const MAX_CONFIG_SIZE = 1024 * 1024;

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isBase64(s: string): boolean {
  return BASE64_RE.test(s);
}

function base64Size(s: string): number {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}

/** Keys of one data map; returns the summed size of its values in bytes. */
function checkMap(v: unknown, field: string, base64: boolean, out: StatusCause[], seen: Map<string, string>): number {
  const m = objField(v, field, out);
  if (!m) return 0;
  let size = 0;
  for (const [k, val] of Object.entries(m)) {
    const f = `${field}[${k}]`;
    for (const e of isConfigMapKey(k)) out.push(fe.invalid(f, k, e));
    const other = seen.get(k);
    if (other !== undefined) out.push(fe.invalid(f, k, `duplicate of key present in ${other}`));
    seen.set(k, field);
    if (typeof val !== 'string') {
      out.push(fe.invalid(f, val, 'must be a string'));
      continue;
    }
    if (base64) {
      if (!isBase64(val)) {
        out.push(fe.invalid(f, '<value omitted>', 'illegal base64 data'));
        continue;
      }
      size += base64Size(val);
    } else size += Buffer.byteLength(val);
  }
  return size;
}

export function validateConfigMap(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const seen = new Map<string, string>();
  let size = checkMap(obj.data, 'data', false, out, seen);
  size += checkMap(obj.binaryData, 'binaryData', true, out, seen);
  if (size > MAX_CONFIG_SIZE) out.push(fe.tooLong('data', MAX_CONFIG_SIZE));
  if (obj.immutable !== undefined && obj.immutable !== null && typeof obj.immutable !== 'boolean') out.push(fe.invalid('immutable', obj.immutable, 'must be a boolean'));
  return out;
}

export function validateSecret(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  let size = checkMap(obj.data, 'data', true, out, new Map());
  // stringData is normally folded into data by defaulting; validate it if it is still here.
  size += checkMap(obj.stringData, 'stringData', false, out, new Map());
  if (size > MAX_CONFIG_SIZE) out.push(fe.tooLong('data', MAX_CONFIG_SIZE));
  const type = strField(obj.type, 'type', out);
  const data = isObj(obj.data) ? obj.data : {};
  const need = (key: string) => {
    if (data[key] === undefined) out.push(fe.required(`data[${key}]`));
  };
  if (type === 'kubernetes.io/tls') {
    need('tls.crt');
    need('tls.key');
  } else if (type === 'kubernetes.io/dockerconfigjson') need('.dockerconfigjson');
  else if (type === 'kubernetes.io/dockercfg') need('.dockercfg');
  if (obj.immutable !== undefined && obj.immutable !== null && typeof obj.immutable !== 'boolean') out.push(fe.invalid('immutable', obj.immutable, 'must be a boolean'));
  return out;
}

const IMMUTABLE_MSG = 'field is immutable when `immutable` is set';

/** Both kinds: once `immutable: true`, data may not change and the flag may not be cleared. */
export function validateImmutableDataUpdate(obj: Obj, old: Obj, kind: 'ConfigMap' | 'Secret'): StatusCause[] {
  const out: StatusCause[] = [];
  if (kind === 'Secret' && old.type !== undefined && obj.type !== undefined && obj.type !== old.type) {
    out.push(fe.immutable('type', obj.type));
  }
  if (old.immutable !== true) return out;
  if (obj.immutable !== true) out.push(fe.forbidden('immutable', IMMUTABLE_MSG));
  const fields = kind === 'ConfigMap' ? ['data', 'binaryData'] : ['data'];
  for (const f of fields) {
    if (!deepEqual(obj[f] ?? {}, old[f] ?? {})) out.push(fe.forbidden(f, IMMUTABLE_MSG));
  }
  if (kind === 'Secret' && isObj(obj.stringData) && Object.keys(obj.stringData).length > 0) out.push(fe.forbidden('stringData', IMMUTABLE_MSG));
  return out;
}
