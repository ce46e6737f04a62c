// `-o custom-columns=HEADER:PATH,...`, `-o custom-columns-file=FILE` and `--sort-by=PATH`
// as kubectl does them: each PATH is a relaxed JSONPath (.a.b, a.b, {.a.b}); a cell is
// every value found, Go-formatted (%v) and joined with commas, or <none>.

import fs from 'node:fs';
import { findResults, relaxedJsonPath, JsonPathError, type JsonPathTemplate } from './jsonpath.js';
import { formatTable } from './table.js';

export interface Column {
  header: string;
  path: JsonPathTemplate;
}

export function parseCustomColumns(spec: string): Column[] {
  if (!spec) throw new JsonPathError('custom-columns format specified but no custom columns given');
  return spec.split(',').map((part) => {
    const kv = part.split(':');
    if (kv.length !== 2) throw new JsonPathError(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    return { header: kv[0]!, path: relaxedJsonPath(kv[1]!) };
  });
}

/** The file form: a line of headers, then a line of paths, separated by whitespace. */
export function parseCustomColumnsFile(text: string): Column[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  if (lines.length < 2) throw new JsonPathError('custom-columns-file: expected a line of headers and a line of paths');
  const headers = lines[0]!.trim().split(/\s+/);
  const paths = lines[1]!.trim().split(/\s+/);
  if (headers.length !== paths.length) throw new JsonPathError(`custom-columns-file: expected ${headers.length} columns, got ${paths.length}`);
  return headers.map((header, i) => ({ header, path: relaxedJsonPath(paths[i]!) }));
}

export function readCustomColumnsFile(file: string): Column[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read custom-columns file ${file}: ${(err as Error).message}`);
  }
  return parseCustomColumnsFile(text);
}

/** Go's fmt %v of a JSON-decoded value: map[k:v ...] with sorted keys, [a b], <nil>. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goValue(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

export function printCustomColumns(columns: Column[], objects: unknown[], noHeaders = false): string {
  const rows = objects.map((o) =>
    columns.map((c) => {
      const found = findResults(c.path, o);
      return found.length ? found.map(goValue).join(',') : '<none>';
    }),
  );
  return formatTable(columns.map((c) => c.header), rows, noHeaders ? 'none' : 'show');
}

/** kubectl's --sort-by order: numbers numerically, strings (RFC 3339 times too) lexically, missing first. */
export function compareSortValues(a: unknown, b: unknown): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const [x, y] = [goValue(a), goValue(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Stable sort of `items` by the first value `expr` finds in `objectOf(item)`. */
export function sortByJsonPath<T>(items: T[], expr: string, objectOf: (item: T) => unknown = (x) => x): T[] {
  const path = relaxedJsonPath(expr);
  const keyed = items.map((item, i) => ({ item, i, key: findResults(path, objectOf(item))[0] }));
  keyed.sort((p, q) => compareSortValues(p.key, q.key) || p.i - q.i);
  return keyed.map((k) => k.item);
}
