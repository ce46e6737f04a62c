// Aligned plain-text tables like kubectl's (its tabwriter: minimum width 6, padding 3):
// columns separated by at least three spaces; the last cell is not padded, but empty cells
// before it are (so a row whose -L label cells are empty ends in spaces, as kubectl's does).

import { timestampAge } from '../../api/tables/duration.js';

/** With noHeaders the header line is left out of the widths too (kubectl never writes it to its tabwriter). */
export function formatTable(headers: string[], rows: string[][], noHeaders = false): string {
  const widths = headers.map((h, i) => Math.max(noHeaders ? 0 : h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(Math.max(widths[i]! + 3, 6))))
      .join('');
  return [...(noHeaders ? [] : [line(headers)]), ...rows.map(line)].join('\n');
}

/** How long ago `from` was, as kubectl prints ages (api/tables/duration.ts). */
export function formatAge(from: string | undefined, now: number = Date.now()): string {
  return timestampAge(from, now);
}
