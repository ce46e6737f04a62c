// Aligned plain-text tables like kubectl's (its tabwriter: minimum width 6, padding 3):
// columns separated by at least three spaces, no trailing whitespace.

import { timestampAge } from '../../api/tables/duration.js';

export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(Math.max(widths[i]! + 3, 6))))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** How long ago `from` was, as kubectl prints ages (api/tables/duration.ts). */
export function formatAge(from: string | undefined, now: number = Date.now()): string {
  return timestampAge(from, now);
}
