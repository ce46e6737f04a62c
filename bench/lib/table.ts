// The result table every bench prints: metric | orch | baseline | ratio | target | verdict.
// Aligned plain text, so it reads the same in a terminal, a CI log and a pasted report.

export type Direction = 'higher' | 'lower';

export interface ResultRow {
  metric: string;
  unit: string;
  orch: number;
  /** The same load straight against the underlying system (e.g. raw etcd), if measured. */
  baseline?: number;
  /** Target for orch; higher: orch ≥ target passes, lower: orch < target passes. */
  target?: number;
  direction: Direction;
  /** Shown under the table (how the figure was measured, caveats). */
  note?: string;
}

export type Verdict = 'PASS' | 'FAIL' | '-';

export function verdict(row: ResultRow): Verdict {
  if (row.target === undefined || !Number.isFinite(row.orch)) return row.target === undefined ? '-' : 'FAIL';
  return row.direction === 'higher' ? (row.orch >= row.target ? 'PASS' : 'FAIL') : row.orch < row.target ? 'PASS' : 'FAIL';
}

/** orch / baseline ("2.5x" means orch's figure is 2.5 times the baseline's). */
export function ratio(row: ResultRow): string {
  if (row.baseline === undefined || !Number.isFinite(row.baseline) || row.baseline === 0 || !Number.isFinite(row.orch)) return '-';
  const r = row.orch / row.baseline;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}x`;
}

/** Three significant digits without losing integer places: 12345 → "12345", 1.2345 → "1.23". */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const abs = Math.abs(v);
  if (abs >= 100) return Math.round(v).toString();
  if (abs >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function withUnit(v: number | undefined, unit: string): string {
  if (v === undefined) return '-';
  return unit ? `${formatNumber(v)} ${unit}` : formatNumber(v);
}

export function renderTable(title: string, rows: ResultRow[]): string {
  const header = ['metric', 'orch', 'baseline', 'ratio', 'target', 'verdict'];
  const body = rows.map((r) => [
    r.metric,
    withUnit(r.orch, r.unit),
    withUnit(r.baseline, r.unit),
    ratio(r),
    r.target === undefined ? '-' : `${r.direction === 'higher' ? '>=' : '<'} ${withUnit(r.target, r.unit)}`,
    verdict(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  // Text columns left-aligned, figures right-aligned.
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  const lines = [title, fmt(header), rule, ...body.map(fmt)];
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.metric}: ${r.note}`);
  if (notes.length) lines.push('', 'notes:', ...notes);
  return lines.join('\n') + '\n';
}
