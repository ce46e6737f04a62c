// Key layout helpers: how a caller's key becomes an etcd key, how error messages name
// the object behind a key, and the opaque continue token of paged lists.
//
// Callers use Kubernetes-style keys '/registry/{group?}/{plural}/{ns?}/{name}'. The
// storage `prefix` option (default '/registry', the apiserver's --etcd-prefix) replaces
// that leading '/registry', so several apiservers or tests can share one etcd under
// different prefixes and the default layout is exactly the caller's key. A key that does
// not start with '/registry' gets the prefix prepended as is.

import { errors } from '../../api/errors.js';

export const DEFAULT_PREFIX = '/registry';

/** Maps caller keys to etcd keys under one tenant prefix. */
export class KeyMapper {
  readonly prefix: string;
  constructor(prefix: string = DEFAULT_PREFIX) {
    this.prefix = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  }

  toEtcd(key: string): string {
    if (key === DEFAULT_PREFIX) return this.prefix;
    const rest = key.startsWith(DEFAULT_PREFIX + '/') ? key.slice(DEFAULT_PREFIX.length) : key.startsWith('/') ? key : '/' + key;
    return this.prefix + rest;
  }

  /**
   * A list/watch prefix always ends with '/', so '/registry/pods' never matches
   * '/registry/podtemplates/...' (Kubernetes does the same).
   */
  toEtcdPrefix(prefix: string): string {
    const k = this.toEtcd(prefix);
    return k.endsWith('/') ? k : k + '/';
  }
}

/** The exclusive end of a prefix range: the prefix with its last byte incremented. */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  // All 0xff: range to the end of the keyspace.
  return Buffer.from([0]);
}

const KNOWN_GROUPS = new Set(['apps', 'batch', 'autoscaling', 'policy', 'extensions']);

/**
 * What a key names, for messages like `pods "web" already exists` or
 * `deployments.apps "web" already exists`. A group segment is recognised by a dot or by
 * being a well-known group name.
 */
export function describeKey(key: string): { resource: { group?: string; plural: string }; name: string } {
  const segs = key.replace(/^\/registry\//, '/').split('/').filter((s) => s.length > 0);
  const name = segs[segs.length - 1] ?? key;
  let group: string | undefined;
  let i = 0;
  if (segs.length >= 3 && (segs[0]!.includes('.') || KNOWN_GROUPS.has(segs[0]!))) {
    group = segs[0];
    i = 1;
  }
  const plural = segs.length > 1 ? (segs[i] ?? 'objects') : 'objects';
  return { resource: group ? { group, plural } : { plural }, name };
}

export interface ContinueToken {
  /** The revision the first page was read at: every page reads at it. */
  rev: number;
  /** The first key of the next page, relative to the list prefix. */
  start: string;
}

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 1, rev: t.rev, start: t.start }), 'utf8').toString('base64url');
}

const BAD_TOKEN = 'continue key is not valid: the continue parameter is malformed; start a new list without it';

/** Throws ApiError 400 for anything that is not a token we made. */
export function decodeContinue(token: string): ContinueToken {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(token)) throw errors.badRequest(BAD_TOKEN);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw errors.badRequest(BAD_TOKEN);
  }
  if (typeof parsed !== 'object' || parsed === null) throw errors.badRequest(BAD_TOKEN);
  const { v, rev, start } = parsed as { v?: unknown; rev?: unknown; start?: unknown };
  if (v !== 1 || typeof rev !== 'number' || !Number.isSafeInteger(rev) || rev <= 0 || typeof start !== 'string') {
    throw errors.badRequest(BAD_TOKEN);
  }
  return { rev, start };
}
