// A StreamSession (types.ts) over the hijacked connection of a Docker exec or attach: the
// one socket carries stdin one way and the output the other, multiplexed into stdout and
// stderr frames unless the process has a terminal. Plain streams in and out, so the Docker
// calls stay in docker-runtime.ts and this is testable without an engine.

import { PassThrough, Writable, type Duplex } from 'node:stream';
import type { StreamSession } from './types.js';

/**
 * Splits Docker's multiplexed output ([stream(1), 0, 0, 0, size(uint32 BE)] + payload) into
 * stdout (stream 0 or 1) and stderr (2), holding the source while either side is full.
 */
export class DockerStreamSplitter extends Writable {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly stdout: PassThrough,
    private readonly stderr: PassThrough,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    const waits: PassThrough[] = [];
    while (this.pending.length - off >= 8) {
      const size = this.pending.readUInt32BE(off + 4);
      if (this.pending.length - off - 8 < size) break;
      const target = this.pending[off] === 2 ? this.stderr : this.stdout;
      if (size > 0 && !target.write(this.pending.subarray(off + 8, off + 8 + size)) && !waits.includes(target)) waits.push(target);
      off += 8 + size;
    }
    this.pending = this.pending.subarray(off);
    if (!waits.length) return cb();
    let left = waits.length;
    for (const w of waits) w.once('drain', () => --left === 0 && cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.stdout.end();
    this.stderr.end();
    cb();
  }
}

export interface HijackedSession {
  raw: Duplex;
  stdin: boolean;
  tty: boolean;
  resize(width: number, height: number): Promise<void>;
  /** Asked once the output has ended. */
  exitCode(): Promise<number | undefined>;
}

export function sessionFromHijacked(h: HijackedSession): StreamSession {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  if (h.tty) {
    h.raw.pipe(stdout);
    stderr.end();
  } else h.raw.pipe(new DockerStreamSplitter(stdout, stderr));
  // A connection reset ends the output as an EOF would: the session then reports how the process ended.
  h.raw.on('error', () => {
    stdout.end();
    stderr.end();
  });
  h.raw.on('close', () => {
    stdout.end();
    stderr.end();
  });
  const ended = (s: PassThrough) => new Promise<void>((r) => (s.readableEnded || s.destroyed ? r() : (s.once('end', r), s.once('close', r))));
  const done = Promise.all([ended(stdout), ended(stderr)]).then(async () => ({ exitCode: await h.exitCode().catch(() => undefined) }));
  let stdin: Writable | undefined;
  if (h.stdin) {
    // Ending stdin half-closes the socket: Docker then closes the process's stdin.
    stdin = new Writable({
      write: (chunk: Buffer, _enc, cb) => (h.raw.writable ? h.raw.write(chunk, () => cb()) : cb()),
      final: (cb) => {
        if (h.raw.writable) h.raw.end();
        cb();
      },
    });
    stdin.on('error', () => undefined);
  }
  return {
    stdin,
    stdout,
    stderr,
    resize: h.resize,
    done,
    close: () => h.raw.destroy(),
  };
}
