// PodLogOptions: the query of `GET pods/NAME/log`, read and checked the way Kubernetes
// does (query decoding, then ValidatePodLogOptions), by the apiserver before it proxies
// and again by the agent that serves the logs. A value that is not a number (or not an
// int64) is 400 BadRequest; a number out of range is 422 Invalid naming the field.

import { errors, type StatusCause } from './errors.js';
import { fe } from './validation/field-errors.js';

export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  /** Lines from the end; ≥ 0. */
  tailLines?: number;
  /** Seconds back from now; ≥ 1. At most one of sinceSeconds / sinceTime. */
  sinceSeconds?: number;
  /** RFC 3339 time, as given. */
  sinceTime?: string;
  /** Stop after this many bytes; ≥ 1. */
  limitBytes?: number;
}

/** Reads one query parameter (first value when repeated); undefined when absent. */
export type QueryGetter = (name: string) => string | undefined;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Go's strconv.ParseBool, which Kubernetes uses for boolean query parameters. */
function bool(get: QueryGetter, name: string): boolean {
  const s = get(name);
  if (s === undefined || s === '') return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw errors.badRequest(`invalid value for query parameter ${name}: ${JSON.stringify(s)} is not a boolean`);
}

/**
 * An int64 query parameter. Values beyond 2^53 lose precision as a JS number, which does
 * not matter for any of these options (a tail or a limit that large means "everything").
 */
function int64(get: QueryGetter, name: string): number | undefined {
  const s = get(name);
  if (s === undefined || s === '') return undefined;
  if (!/^[+-]?\d{1,30}$/.test(s)) throw errors.badRequest(`invalid value for query parameter ${name}: ${JSON.stringify(s.slice(0, 64))} is not an integer`);
  const big = BigInt(s);
  if (big > INT64_MAX || big < INT64_MIN) throw errors.badRequest(`invalid value for query parameter ${name}: ${s} is out of range (64-bit integer)`);
  return Number(big);
}

// RFC 3339 as Go's time.RFC3339 reads it: a date, a time with optional fraction, and a zone.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function time(get: QueryGetter, name: string): string | undefined {
  const s = get(name);
  if (s === undefined || s === '') return undefined;
  if (!RFC3339.test(s) || Number.isNaN(Date.parse(s))) throw errors.badRequest(`invalid value for query parameter ${name}: ${JSON.stringify(s.slice(0, 64))} is not an RFC 3339 time`);
  return s;
}

/** Parse and validate; throws an ApiError (400 for unreadable values, 422 for ranges). */
export function parsePodLogOptions(get: QueryGetter, podName: string): PodLogOptions {
  const o: PodLogOptions = {
    container: get('container') || undefined,
    follow: bool(get, 'follow'),
    previous: bool(get, 'previous'),
    timestamps: bool(get, 'timestamps'),
    tailLines: int64(get, 'tailLines'),
    sinceSeconds: int64(get, 'sinceSeconds'),
    sinceTime: time(get, 'sinceTime'),
    limitBytes: int64(get, 'limitBytes'),
  };
  const causes: StatusCause[] = [];
  if (o.tailLines !== undefined && o.tailLines < 0) causes.push(fe.invalid('tailLines', o.tailLines, 'must be greater than or equal to 0'));
  if (o.limitBytes !== undefined && o.limitBytes < 1) causes.push(fe.invalid('limitBytes', o.limitBytes, 'must be greater than 0'));
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined) causes.push(fe.forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  else if (o.sinceSeconds !== undefined && o.sinceSeconds < 1) causes.push(fe.invalid('sinceSeconds', o.sinceSeconds, 'must be greater than 0'));
  if (causes.length > 0) throw errors.invalid('PodLogOptions', podName, causes);
  return o;
}

/** The same options as a query string (without the container), for the hop to the agent. */
export function podLogQuery(o: PodLogOptions): URLSearchParams {
  const p = new URLSearchParams();
  if (o.follow) p.set('follow', 'true');
  if (o.previous) p.set('previous', 'true');
  if (o.timestamps) p.set('timestamps', 'true');
  // Capped at 2^53 - 1: the same meaning ("everything"), and it reads back as an int64.
  const int = (n: number) => String(Math.min(n, Number.MAX_SAFE_INTEGER));
  if (o.tailLines !== undefined) p.set('tailLines', int(o.tailLines));
  if (o.sinceSeconds !== undefined) p.set('sinceSeconds', int(o.sinceSeconds));
  if (o.sinceTime !== undefined) p.set('sinceTime', o.sinceTime);
  if (o.limitBytes !== undefined) p.set('limitBytes', int(o.limitBytes));
  return p;
}

/**
 * The earliest time to show, in Unix seconds, or undefined for "from the start": a
 * sinceSeconds reaching back before 1970 means the whole log, not an error.
 */
export function sinceUnixSeconds(o: PodLogOptions, nowMs: number): number | undefined {
  if (o.sinceTime !== undefined) return Math.max(0, Date.parse(o.sinceTime) / 1000);
  if (o.sinceSeconds === undefined) return undefined;
  const t = Math.floor(nowMs / 1000) - o.sinceSeconds;
  return t > 0 ? t : undefined;
}
