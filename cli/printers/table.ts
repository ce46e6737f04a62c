// Aligned plain-text tables like kubectl's (its tabwriter: minimum width 6, padding 3):
// columns separated by at least three spaces; the last cell is not padded, but empty cells
// before it are (so a row whose -L label cells are empty ends in spaces, as kubectl's does).

import { timestampAge } from '../../api/tables/duration.js';

/**
 * `header`: 'show' it; 'none' (--no-headers: kubectl never writes it, so it does not
 * widen the columns); 'hide' (a watch's later rows: laid out as under the header printed
 * before, which kubectl's watch keeps in its tabwriter).
 */
export function formatTable(headers: string[], rows: string[][], header: 'show' | 'hide' | 'none' = 'show'): string {
  const widths = headers.map((h, i) => Math.max(header === 'none' ? 0 : h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(Math.max(widths[i]! + 3, 6))))
      .join('');
  return [...(header === 'show' ? [line(headers)] : []), ...rows.map(line)].join('\n');
}

/** How long ago `from` was, as kubectl prints ages (api/tables/duration.ts). */
export function formatAge(from: string | undefined, now: number = Date.now()): string {
  return timestampAge(from, now);
}
