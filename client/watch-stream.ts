// Turns a chunked NDJSON watch response into WatchEvent objects. TCP and HTTP chunking
// split the byte stream anywhere (inside a line, inside a multi-byte UTF-8 character),
// so the parser buffers until a newline and decodes with a StringDecoder.

import { StringDecoder } from 'node:string_decoder';
import type { KubeObject, WatchEvent, WatchEventType } from '../api/types.js';

const EVENT_TYPES: ReadonlySet<string> = new Set<WatchEventType>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** A line that is not a watch event: the stream is corrupt and must be reopened. */
export class WatchDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WatchDecodeError';
  }
}

function toEvent(line: string): WatchEvent<KubeObject> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw new WatchDecodeError(`malformed watch event (${(err as Error).message}): ${line.slice(0, 200)}`);
  }
  const ev = parsed as { type?: unknown; object?: unknown };
  if (typeof ev !== 'object' || ev === null || typeof ev.type !== 'string' || !EVENT_TYPES.has(ev.type)) {
    throw new WatchDecodeError(`not a watch event: ${line.slice(0, 200)}`);
  }
  if (typeof ev.object !== 'object' || ev.object === null) {
    throw new WatchDecodeError(`watch event without an object: ${line.slice(0, 200)}`);
  }
  return { type: ev.type as WatchEventType, object: ev.object as KubeObject };
}

/** Incremental NDJSON parser: push() chunks, get the complete events so far. */
export class WatchEventParser {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';

  /** Events completed by this chunk (zero or more). Throws WatchDecodeError on garbage. */
  push(chunk: Buffer | string): WatchEvent<KubeObject>[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const out: WatchEvent<KubeObject>[] = [];
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) out.push(toEvent(line));
    }
    return out;
  }

  /**
   * At end of stream: a final event without its newline still counts if it is complete
   * JSON; a truncated fragment (connection cut mid-event) is dropped, since the caller
   * resumes from the last resourceVersion it saw anyway.
   */
  end(): WatchEvent<KubeObject>[] {
    this.buffer += this.decoder.end();
    const rest = this.buffer.trim();
    this.buffer = '';
    if (!rest) return [];
    try {
      return [toEvent(rest)];
    } catch {
      return [];
    }
  }
}

/** Yields the events of a readable byte stream until it ends; stream errors propagate. */
export async function* readWatchEvents<T extends KubeObject = KubeObject>(
  stream: AsyncIterable<Buffer | string>,
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  const parser = new WatchEventParser();
  for await (const chunk of stream) {
    for (const ev of parser.push(chunk)) yield ev as WatchEvent<T>;
  }
  for (const ev of parser.end()) yield ev as WatchEvent<T>;
}
