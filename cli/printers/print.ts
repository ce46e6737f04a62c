// Output formats of `orch get`: table (default), wide, yaml, json, name.

import YAML from 'yaml';
import type { KubeObject } from '../../api/types.js';
import { resourceForKind } from '../../api/resources.js';
import { columnsFor } from './columns.js';
import { formatTable } from './table.js';

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json' | 'name';

export function parseOutputFormat(o: string | undefined): OutputFormat {
  if (!o) return 'table';
  if (['wide', 'yaml', 'json', 'name'].includes(o)) return o as OutputFormat;
  throw new Error(`unknown output format "${o}": use one of wide, yaml, json, name`);
}

/** `deployment.apps/web`, `pod/web-1` — the name form kubectl prints. */
export function qualifiedName(obj: KubeObject): string {
  const r = obj.apiVersion && obj.kind ? resourceForKind(obj.apiVersion, obj.kind) : undefined;
  const kind = (obj.kind ?? 'object').toLowerCase();
  return `${r?.group ? `${kind}.${r.group}` : kind}/${obj.metadata.name ?? ''}`;
}

export interface PrintOptions {
  format: OutputFormat;
  /** Add a NAMESPACE column first (for -A). */
  withNamespace?: boolean;
  /** Omit the header (watch updates after the first batch). */
  noHeaders?: boolean;
  now?: number;
}

export function printObjects(objs: KubeObject[], kind: string, opts: PrintOptions): string {
  const now = opts.now ?? Date.now();
  switch (opts.format) {
    case 'json':
      return JSON.stringify(objs.length === 1 ? objs[0] : { apiVersion: 'v1', kind: 'List', items: objs, metadata: {} }, null, 2);
    case 'yaml':
      return YAML.stringify(objs.length === 1 ? objs[0] : { apiVersion: 'v1', kind: 'List', items: objs, metadata: {} }).trimEnd();
    case 'name':
      return objs.map(qualifiedName).join('\n');
    default: {
      const cols = columnsFor(kind);
      const wide = opts.format === 'wide';
      const headers = [...(opts.withNamespace ? ['NAMESPACE'] : []), ...cols.headers, ...(wide && cols.wideHeaders ? cols.wideHeaders : [])];
      const rows = objs.map((o) => [
        ...(opts.withNamespace ? [o.metadata.namespace ?? ''] : []),
        ...cols.row(o, now),
        ...(wide && cols.wideRow ? cols.wideRow(o, now) : []),
      ]);
      const table = formatTable(headers, rows);
      return opts.noHeaders ? table.split('\n').slice(1).join('\n') : table;
    }
  }
}
