// Output of `orch get` and friends: tables (default, wide), yaml, json, name. A table is
// laid out from a meta.k8s.io/v1 Table, the server's (orch get asks for it, as kubectl
// does) or one built locally from objects with the same api/tables columns: this file
// decides only which columns show (-o wide: priority 1 too; -A: NAMESPACE first;
// --show-labels: LABELS last) and how cells print, the way kubectl's table printer does.

import fs from 'node:fs';
import YAML from 'yaml';
import type { KubeObject, ObjectMeta } from '../../api/types.js';
import { resourceForKind, RESOURCES } from '../../api/resources.js';
import { labelsCell } from '../../api/tables/core.js';
import { toTable, type Cell, type Table } from '../../api/tables/table.js';
import { formatTable } from './table.js';
import { executeJsonPath, parseJsonPath, type JsonPathTemplate } from './jsonpath.js';
import { parseCustomColumns, printCustomColumns, readCustomColumnsFile, type Column } from './custom-columns.js';

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json' | 'name' | 'jsonpath' | 'custom-columns';

/** -o as parsed: the format, and the template or columns it carries. */
export interface OutputSpec {
  format: OutputFormat;
  jsonpath?: JsonPathTemplate;
  columns?: Column[];
}

const FORMATS = 'wide, yaml, json, name, jsonpath=TEMPLATE, jsonpath-file=FILE, custom-columns=SPEC, custom-columns-file=FILE';

/** -o wide|yaml|json|name|jsonpath=...|jsonpath-file=...|custom-columns=...|custom-columns-file=... */
export function parseOutput(o: string | undefined): OutputSpec {
  if (!o) return { format: 'table' };
  if (['wide', 'yaml', 'json', 'name'].includes(o)) return { format: o as OutputFormat };
  const eq = o.indexOf('=');
  const [kind, arg] = eq < 0 ? [o, ''] : [o.slice(0, eq), o.slice(eq + 1)];
  switch (kind) {
    case 'jsonpath':
      if (!arg) throw new Error('template format specified but no template given: use -o jsonpath={.metadata.name}');
      return { format: 'jsonpath', jsonpath: parseJsonPath(arg) };
    case 'jsonpath-file':
      return { format: 'jsonpath', jsonpath: parseJsonPath(readText(arg, 'jsonpath-file').replace(/\r?\n$/, '')) };
    case 'custom-columns':
      return { format: 'custom-columns', columns: parseCustomColumns(arg) };
    case 'custom-columns-file':
      return { format: 'custom-columns', columns: readCustomColumnsFile(arg) };
  }
  throw new Error(`unknown output format "${o}": use one of ${FORMATS}`);
}

function readText(file: string, what: string): string {
  if (!file) throw new Error(`${what}: name the file (-o ${what}=FILE)`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}

export function parseOutputFormat(o: string | undefined): OutputFormat {
  return parseOutput(o).format;
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
  /** -L: one column per label key (its last path segment upper-cased), before LABELS. */
  labelColumns?: string[];
  /** --no-headers: no header line, and column widths from the rows alone. */
  noHeaders?: boolean;
  /** A watch's later rows: no header line, but laid out as under the one printed before. */
  headerPrinted?: boolean;
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
  const labelCols = opts.labelColumns ?? [];
  const headers = [
    ...(opts.withNamespace ? ['NAMESPACE'] : []),
    ...shown.map(({ c }) => c.name.toUpperCase()),
    ...labelCols.map((l) => l.split('/').at(-1)!.toUpperCase()),
    ...(opts.showLabels ? ['LABELS'] : []),
  ];
  const rows = t.rows.map((row) => {
    const md = rowMeta(row.object);
    const cells = shown.map(({ c, i }) => {
      const text = cellText(row.cells[i]);
      return c.format === 'name' && opts.namePrefix ? opts.namePrefix + text : text;
    });
    return [...(opts.withNamespace ? [md.namespace ?? ''] : []), ...cells, ...labelCols.map((l) => md.labels?.[l] ?? ''), ...(opts.showLabels ? [labelsCell(md.labels)] : [])];
  });
  return formatTable(headers, rows, opts.noHeaders ? 'none' : opts.headerPrinted ? 'hide' : 'show');
}

export interface PrintOptions extends Omit<TableLayout, 'wide'>, Partial<Omit<OutputSpec, 'format'>> {
  format: OutputFormat;
  now?: number;
  /**
   * The objects answer a list query (a selector, several names, a whole kind): json, yaml
   * and jsonpath then see a v1 List even for one item, as kubectl prints it. Default: a
   * List unless there is exactly one object.
   */
  asList?: boolean;
  /** Keep metadata.managedFields in json/yaml/jsonpath (kubectl's --show-managed-fields); hidden by default. */
  showManagedFields?: boolean;
}

/** The object without metadata.managedFields (a copy; the original is not changed). */
function withoutManagedFields(o: KubeObject): KubeObject {
  if (!(o.metadata as { managedFields?: unknown } | undefined)?.managedFields) return o;
  const { managedFields: _hidden, ...metadata } = o.metadata as KubeObject['metadata'] & { managedFields?: unknown };
  return { ...o, metadata };
}

/** Objects in any format; tables are built here with the server's columns (api/tables). */
export function printObjects(all: KubeObject[], kind: string, opts: PrintOptions): string {
  // Field ownership is noise for reading an object: kubectl hides it unless asked.
  const objs = opts.showManagedFields ? all : all.map(withoutManagedFields);
  const data = (opts.asList ?? objs.length !== 1) ? { apiVersion: 'v1', kind: 'List', items: objs, metadata: { resourceVersion: '' } } : objs[0];
  switch (opts.format) {
    case 'json':
      return JSON.stringify(data, null, 4);
    case 'yaml':
      return YAML.stringify(data).trimEnd();
    case 'jsonpath':
      // Printed as is: no newline added (kubectl adds none either).
      return executeJsonPath(opts.jsonpath!, data);
    case 'custom-columns':
      return printCustomColumns(opts.columns!, objs, opts.noHeaders);
    case 'name':
      return objs.map(qualifiedName).join('\n');
    default: {
      const r = RESOURCES.find((x) => x.kind === kind) ?? { plural: '' };
      return printTable(toTable(r, objs, {}, opts.now ?? Date.now()), { ...opts, wide: opts.format === 'wide' });
    }
  }
}
