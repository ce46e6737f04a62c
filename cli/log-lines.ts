// Copying pod logs to the terminal: whole lines only when several streams share it (so
// lines of concurrent `orch logs -f` streams never mix), an optional prefix per line
// (`--prefix`), and backpressure: a source is read only as fast as `out` takes it.

import { once } from 'node:events';
import type { Writable } from 'node:stream';

const NL = 0x0a;
/** A line longer than this is written in pieces rather than held (a log without newlines). */
const MAX_LINE = 1 << 20;

/** Writes `data`, waiting for 'drain' when `out` is full. */
async function write(out: Writable, data: Buffer): Promise<void> {
  if (data.length === 0) return;
  if (!out.write(data)) await once(out, 'drain');
}

/**
 * Copies `src` to `out` line by line, each line preceded by `prefix` (may be ''). A last
 * line without a newline is written as it is once `src` ends.
 */
export async function copyLines(src: AsyncIterable<Buffer | string>, out: Writable, prefix = ''): Promise<void> {
  const head = Buffer.from(prefix);
  let rest: Buffer = Buffer.alloc(0);
  for await (const c of src) {
    const chunk = rest.length ? Buffer.concat([rest, Buffer.from(c)]) : Buffer.from(c);
    const end = chunk.lastIndexOf(NL) + 1;
    rest = chunk.subarray(end);
    if (end === 0) {
      if (rest.length > MAX_LINE) {
        await write(out, Buffer.concat([head, rest]));
        rest = Buffer.alloc(0);
      }
      continue;
    }
    const lines = chunk.subarray(0, end);
    if (!head.length) {
      await write(out, lines);
      continue;
    }
    const parts: Buffer[] = [];
    for (let from = 0; from < end; ) {
      const to = lines.indexOf(NL, from) + 1;
      parts.push(head, lines.subarray(from, to));
      from = to;
    }
    await write(out, Buffer.concat(parts));
  }
  if (rest.length) await write(out, head.length ? Buffer.concat([head, rest]) : rest);
}
