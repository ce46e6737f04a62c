// Small object helpers shared by controllers, the scheduler, the agent and the apiserver.
// Pure functions; callers pass the clock when time matters.

import { cpuToMillis, parseQuantity } from './quantity.js';
import type { Container, KubeObject, OwnerReference, Pod } from './types.js';

/** Deep copy of JSON-shaped data (objects from the API are always JSON). */
export function deepClone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

/** Structural equality of JSON values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    // NaN is not JSON, but treat it as equal to itself so comparisons are reflexive.
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  // Keys whose value is undefined are absent once serialised, so ignore them.
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) {
    if (!Object.prototype.hasOwnProperty.call(bo, k)) return false;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  return true;
}

/** The ownerReference with controller=true, if any. */
export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** True when obj's controller reference points at owner (by uid). */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = controllerRef(obj);
  return ref !== undefined && owner.metadata.uid !== undefined && ref.uid === owner.metadata.uid;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export function getCondition<C extends { type: string }>(conds: readonly C[] | undefined, type: string): C | undefined {
  return conds?.find((c) => c.type === type);
}

/**
 * Returns a new condition list with `cond` set. lastTransitionTime moves only when the
 * status changes (Kubernetes semantics), so "since when" stays meaningful.
 */
export function setCondition<C extends Condition>(conds: readonly C[] | undefined, cond: C, now: string): C[] {
  const list = conds ? [...conds] : [];
  const i = list.findIndex((c) => c.type === cond.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: C = { ...cond };
  if (prev && prev.status === cond.status) next.lastTransitionTime = prev.lastTransitionTime ?? cond.lastTransitionTime ?? now;
  else if (prev) next.lastTransitionTime = now;
  else next.lastTransitionTime = cond.lastTransitionTime ?? now;
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

/** JSON with object keys sorted, so equal values serialise identically. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/**
 * Stable short hash (10 chars, [0-9a-z]) of a JSON value: 64-bit FNV-1a over canonical
 * JSON. The agent labels containers with it to notice spec changes, so it must never
 * change between releases (running containers would all look changed).
 */
export function hashObject(value: unknown): string {
  const text = canonicalJson(value);
  const bytes = new TextEncoder().encode(text);
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * prime) & mask;
  }
  return h.toString(36).padStart(13, '0').slice(-10);
}

export function isPodReady(pod: Pod): boolean {
  return getCondition(pod.status?.conditions, 'Ready')?.status === 'True';
}

/** Counts toward a controller's replicas: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

function containerRequest(c: Container, resource: 'cpu' | 'memory'): string | undefined {
  // A limit without a request means request = limit (Kubernetes defaulting).
  if (typeof c !== 'object' || c === null) return undefined;
  return c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
}

/**
 * Effective requests of a pod as the scheduler counts them: the sum over containers,
 * or the largest init container if that is bigger (init containers run one at a time).
 * cpu in millicores, memory in bytes. Malformed quantities count as 0 (validation
 * rejects them before they are stored).
 */
export function podRequests(pod: Pod): { cpu: number; memory: number } {
  const safe = (f: () => number) => {
    try {
      return f();
    } catch {
      return 0;
    }
  };
  const sum = { cpu: 0, memory: 0 };
  for (const c of Array.isArray(pod.spec?.containers) ? pod.spec.containers : []) {
    const cpu = containerRequest(c, 'cpu');
    const mem = containerRequest(c, 'memory');
    if (cpu !== undefined) sum.cpu += safe(() => cpuToMillis(cpu));
    if (mem !== undefined) sum.memory += safe(() => parseQuantity(mem));
  }
  for (const c of Array.isArray(pod.spec?.initContainers) ? pod.spec.initContainers : []) {
    const cpu = containerRequest(c, 'cpu');
    const mem = containerRequest(c, 'memory');
    if (cpu !== undefined) sum.cpu = Math.max(sum.cpu, safe(() => cpuToMillis(cpu)));
    if (mem !== undefined) sum.memory = Math.max(sum.memory, safe(() => parseQuantity(mem)));
  }
  return sum;
}
