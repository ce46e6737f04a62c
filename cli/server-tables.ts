// `orch get` asks the apiserver for its meta.k8s.io/v1 Table, as kubectl does, so both
// print the cells the server computed (api/tables) and cannot disagree. The CLI only
// lays the rows out (printers/print.ts).

import { resourcePath, type ResourceInfo } from '../api/resources.js';
import type { Table } from '../api/tables/table.js';
import type { KubeObject } from '../api/types.js';
import type { ApiClient } from '../client/rest-client.js';
import { HttpWatch } from '../client/rest-resource-client.js';
import type { Watch } from '../client/types.js';

/** What kubectl sends for server-side printing (with plain JSON as the fallback). */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

export interface TableQuery {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** What each row carries: the whole object for --sort-by (default: its metadata). */
  includeObject?: 'Object';
}

/** The Table of the named objects (one GET each, rows in the order given), or of the list. */
export async function fetchTable(client: ApiClient, r: ResourceInfo, names: string[], q: TableQuery): Promise<Table> {
  const ns = r.namespaced ? q.namespace : undefined;
  if (names.length === 0)
    return client.request<Table>('GET', resourcePath(r, { namespace: ns }), { accept: TABLE_ACCEPT, query: { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector, includeObject: q.includeObject } });
  const tables = await Promise.all(
    names.map((name) => client.request<Table>('GET', resourcePath(r, { namespace: r.namespaced ? (ns ?? 'default') : undefined, name }), { accept: TABLE_ACCEPT, query: { includeObject: q.includeObject } })),
  );
  return { ...tables[0]!, metadata: {}, rows: tables.flatMap((t) => t.rows) };
}

/**
 * A watch whose ADDED/MODIFIED/DELETED events carry a one-row Table each (BOOKMARK and
 * ERROR events are as usual); from `resourceVersion`, or the current state first ('0').
 */
export function watchTable(client: ApiClient, r: ResourceInfo, q: TableQuery & { resourceVersion?: string }): Watch<KubeObject & Partial<Table>> {
  const path = resourcePath(r, { namespace: r.namespaced ? q.namespace : undefined });
  const query = { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector, resourceVersion: q.resourceVersion ?? '0', watch: 'true', allowWatchBookmarks: 'true' };
  return new HttpWatch((signal) => client.request('GET', path, { query, accept: TABLE_ACCEPT, stream: true, signal }));
}
