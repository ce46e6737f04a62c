// Go's text/tabwriter as kubectl's describers use it (minwidth 0, padding 2, padded with
// spaces, left-aligned), so `orch describe` lines up character for character with
// `kubectl describe`. Cells end with a tab; the text after a line's last tab is not part
// of any column. A column's width is set per block of consecutive lines that all have a
// cell in that column (so a line without tabs starts new blocks), recursively per column.

const PADDING = 2;

/** Lays out `text` (lines of tab-terminated cells) as tabwriter.Writer.Init(out, 0, 8, 2, ' ', 0) does. */
export function tabbed(text: string): string {
  const trailingNewline = text.endsWith('\n');
  const lines = (trailingNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
  const widths: number[][] = lines.map(() => []);

  // Mirrors tabwriter's format(): for `column`, find each block of lines that have a cell
  // there, give the block the widest cell plus padding, then do the next column inside it.
  const format = (line0: number, line1: number, column: number): void => {
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      const start = i;
      let width = 0;
      for (; i < line1 && column < lines[i]!.length - 1; i++) width = Math.max(width, [...lines[i]![column]!].length + PADDING);
      for (let j = start; j < i; j++) widths[j]![column] = width;
      format(start, i, column + 1);
      i--;
    }
  };
  format(0, lines.length, 0);

  const out = lines.map((cells, i) => cells.map((c, j) => (j < cells.length - 1 ? c + ' '.repeat(Math.max(0, widths[i]![j]! - [...c].length)) : c)).join(''));
  return out.join('\n') + (trailingNewline ? '\n' : '');
}
