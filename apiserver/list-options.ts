// Query parameters of list and watch requests, parsed and checked once (400 with the
// parameter's name on any malformed value) into a predicate and paging options.

import { errors } from '../api/errors.js';
import type { ResourceInfo } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import { matchesLabels, parseLabelSelector } from '../api/selectors/labels.js';
import { parseFieldSelector } from '../api/selectors/fields.js';

export type Query = Record<string, unknown>;

export interface ListOptionsParsed {
  predicate?: (obj: KubeObject) => boolean;
  limit?: number;
  continueToken?: string;
  /** undefined or '0' = "any / latest". */
  resourceVersion?: string;
  /** resourceVersionMatch=Exact: read at that revision. */
  exactRevision?: number;
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
}

/** A single string query value; repeated parameters use the first, as Go's url.Values.Get. */
export function queryString(q: Query, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) return v.length > 0 ? String(v[0]) : undefined;
  return v === undefined ? undefined : String(v);
}

export function queryInt(q: Query, name: string, opts: { min?: number } = {}): number | undefined {
  const s = queryString(q, name);
  if (s === undefined || s === '') return undefined;
  if (!/^-?\d+$/.test(s)) throw errors.badRequest(`invalid value for query parameter ${name}: ${JSON.stringify(s)} is not an integer`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || (opts.min !== undefined && n < opts.min))
    throw errors.badRequest(`invalid value for query parameter ${name}: ${s} must be an integer >= ${opts.min ?? 0}`);
  return n;
}

export function queryBool(q: Query, name: string): boolean {
  const s = queryString(q, name);
  return s === 'true' || s === '1';
}

/** A resourceVersion is a decimal etcd revision; anything else is a client mistake. */
export function parseResourceVersion(rv: string, what = 'resourceVersion'): number {
  if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid ${what} ${JSON.stringify(rv)}: must be a decimal integer`);
  return Number(rv);
}

export function parseListOptions(resource: ResourceInfo, q: Query): ListOptionsParsed {
  const preds: ((o: KubeObject) => boolean)[] = [];
  const ls = queryString(q, 'labelSelector');
  if (ls !== undefined && ls.trim() !== '') {
    const reqs = parseLabelSelector(ls);
    preds.push((o) => matchesLabels(reqs, o.metadata?.labels));
  }
  const fs = queryString(q, 'fieldSelector');
  if (fs !== undefined && fs.trim() !== '') preds.push(parseFieldSelector(fs, resource));
  const predicate = preds.length === 0 ? undefined : preds.length === 1 ? preds[0] : (o: KubeObject) => preds.every((p) => p(o));

  const limit = queryInt(q, 'limit', { min: 0 });
  const continueToken = queryString(q, 'continue') || undefined;
  const resourceVersion = queryString(q, 'resourceVersion') || undefined;
  if (resourceVersion !== undefined) parseResourceVersion(resourceVersion);
  const match = queryString(q, 'resourceVersionMatch');
  let exactRevision: number | undefined;
  if (match !== undefined && match !== '') {
    if (match !== 'Exact' && match !== 'NotOlderThan') throw errors.badRequest(`invalid resourceVersionMatch ${JSON.stringify(match)}: must be Exact or NotOlderThan`);
    if (resourceVersion === undefined) throw errors.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (match === 'Exact') {
      exactRevision = parseResourceVersion(resourceVersion);
      if (exactRevision === 0) throw errors.badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"');
    }
  }
  if (continueToken !== undefined && resourceVersion !== undefined && resourceVersion !== '0')
    throw errors.badRequest('specifying resource version is not allowed when using continue');
  const timeoutSeconds = queryInt(q, 'timeoutSeconds', { min: 0 });
  return {
    predicate,
    limit: limit === 0 ? undefined : limit,
    continueToken,
    resourceVersion,
    exactRevision,
    timeoutSeconds,
    allowWatchBookmarks: queryBool(q, 'allowWatchBookmarks'),
  };
}
