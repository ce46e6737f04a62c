// Output of `orch get` and friends: tables (default, wide), yaml, json, name. A table is
// laid out from a meta.k8s.io/v1 Table, the server's (orch get asks for it, as kubectl
// does) or one built locally from objects with the same api/tables columns: this file
// decides only which columns show (-o wide: priority 1 too; -A: NAMESPACE first;
// --show-labels: LABELS last) and how cells print, the way kubectl's table printer does.

import YAML from 'yaml';
import type { KubeObject, ObjectMeta } from '../../api/types.js';
import { resourceForKind, RESOURCES } from '../../api/resources.js';
import { labelsCell } from '../../api/tables/core.js';
import { toTable, type Cell, type Table } from '../../api/tables/table.js';
import { formatTable } from './table.js';

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json' | 'name';

export function parseOutputFormat(o: string | undefined): OutputFormat {
  if (!o) return 'table';
  if (['wide', 'yaml', 'json', 'name'].includes(o)) return o as OutputFormat;
  throw new Error(`unknown output format "${o}": use one of wide, yaml, json, name`);
}

export const isTableFormat = (f: OutputFormat) => f === 'table' || f === 'wide';

/** `deployment.apps/web`, `pod/web-1` — the name form kubectl prints. */
export function qualifiedName(obj: KubeObject): string {
  const r = obj.apiVersion && obj.kind ? resourceForKind(obj.apiVersion, obj.kind) : undefined;
  const kind = (obj.kind ?? 'object').toLowerCase();
  return `${r?.group ? `${kind}.${r.group}` : kind}/${obj.metadata.name ?? ''}`;
}

export interface TableLayout {
  /** Show priority-1 columns too (-o wide). */
  wide?: boolean;
  /** Add a NAMESPACE column first (for -A). */
  withNamespace?: boolean;
  /** Add a LABELS column last (--show-labels). */
  showLabels?: boolean;
  /** Omit the header (watch updates after the first batch). */
  noHeaders?: boolean;
  /** Put before each name ("pod/", "deployment.apps/") when several types print together. */
  namePrefix?: string;
}

/** A cell as kubectl prints it: strings cut at the first line break (marked "..."). */
function cellText(v: Cell | null | undefined): string {
  if (v === undefined || v === null) return '<none>';
  if (typeof v !== 'string') return String(v);
  const br = v.search(/[\f\n\r]/);
  return br < 0 ? v : `${v.slice(0, br)}...`;
}

const rowMeta = (object: unknown): ObjectMeta => ((object as { metadata?: ObjectMeta } | undefined)?.metadata ?? {});

export function printTable(t: Table, opts: TableLayout = {}): string {
  const shown = t.columnDefinitions.map((c, i) => ({ c, i })).filter(({ c }) => opts.wide || c.priority === 0);
  const headers = [...(opts.withNamespace ? ['NAMESPACE'] : []), ...shown.map(({ c }) => c.name.toUpperCase()), ...(opts.showLabels ? ['LABELS'] : [])];
  const rows = t.rows.map((row) => {
    const md = rowMeta(row.object);
    const cells = shown.map(({ c, i }) => {
      const text = cellText(row.cells[i]);
      return c.format === 'name' && opts.namePrefix ? opts.namePrefix + text : text;
    });
    return [...(opts.withNamespace ? [md.namespace ?? ''] : []), ...cells, ...(opts.showLabels ? [labelsCell(md.labels)] : [])];
  });
  const out = formatTable(headers, rows);
  return opts.noHeaders ? out.split('\n').slice(1).join('\n') : out;
}

export interface PrintOptions extends Omit<TableLayout, 'wide'> {
  format: OutputFormat;
  now?: number;
}

/** Objects in any format; tables are built here with the server's columns (api/tables). */
export function printObjects(objs: KubeObject[], kind: string, opts: PrintOptions): string {
  switch (opts.format) {
    case 'json':
      return JSON.stringify(objs.length === 1 ? objs[0] : { apiVersion: 'v1', kind: 'List', items: objs, metadata: {} }, null, 2);
    case 'yaml':
      return YAML.stringify(objs.length === 1 ? objs[0] : { apiVersion: 'v1', kind: 'List', items: objs, metadata: {} }).trimEnd();
    case 'name':
      return objs.map(qualifiedName).join('\n');
    default: {
      const r = RESOURCES.find((x) => x.kind === kind) ?? { plural: '' };
      return printTable(toTable(r, objs, {}, opts.now ?? Date.now()), { ...opts, wide: opts.format === 'wide' });
    }
  }
}
