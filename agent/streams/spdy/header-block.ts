// SPDY/3 header blocks (section 2.6.10): a count, then per header a length-prefixed name
// and a length-prefixed value (several values of one name joined by NUL), all 32-bit
// big-endian; the block is zlib-compressed with the SPDY/3 dictionary, and each direction
// of a session is ONE zlib stream: every block continues the compressor state of the ones
// before it (flushed with Z_SYNC_FLUSH so each frame is decodable on arrival). So a
// session owns one HeaderCompressor and one HeaderDecompressor, and they must see the
// blocks in frame order: both run their operations one at a time, in call order.
//
// Node's zlib streams are asynchronous; 'data' of a flush is pushed before the flush's
// callback runs (the stream is kept flowing), so one operation's output is complete when
// its callback fires.

import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { SpdyProtocolError } from './frames.js';

export type SpdyHeaders = Record<string, string[]>;

export interface HeaderLimits {
  /** Decompressed bytes of one block (a zip bomb stops here). */
  maxBlockBytes?: number;
  maxHeaders?: number;
}

export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const names = Object.keys(headers);
  parts.push(u32(names.length));
  for (const name of names) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(headers[name]!.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(raw: Buffer, maxHeaders = 256): SpdyHeaders {
  let off = 0;
  const u32 = (what: string) => {
    if (off + 4 > raw.length) throw new SpdyProtocolError(`header block ends inside ${what}`);
    const n = raw.readUInt32BE(off);
    off += 4;
    return n;
  };
  const bytes = (n: number, what: string) => {
    if (off + n > raw.length) throw new SpdyProtocolError(`header block ends inside ${what}`);
    const s = raw.subarray(off, off + n);
    off += n;
    return s;
  };
  const count = u32('the header count');
  if (count > maxHeaders) throw new SpdyProtocolError(`header block has ${count} headers (at most ${maxHeaders})`);
  const out: SpdyHeaders = Object.create(null) as SpdyHeaders;
  for (let i = 0; i < count; i++) {
    const name = bytes(u32('a name length'), 'a header name').toString('utf8');
    const value = bytes(u32('a value length'), 'a header value').toString('utf8');
    if (name === '') throw new SpdyProtocolError('header block has an empty header name');
    if (name !== name.toLowerCase()) throw new SpdyProtocolError(`header name ${JSON.stringify(name.slice(0, 100))} is not lowercase`);
    if (name in out) throw new SpdyProtocolError(`header ${JSON.stringify(name.slice(0, 100))} appears twice`);
    out[name] = value.split('\0');
  }
  if (off !== raw.length) throw new SpdyProtocolError(`header block has ${raw.length - off} bytes after its last header`);
  return out;
}

/** Runs one zlib operation at a time on a persistent stream, collecting each one's output. */
class ZlibRunner {
  private chain: Promise<unknown> = Promise.resolve();
  private collected: Buffer[] = [];
  private collectedBytes = 0;
  private failure?: Error;
  /** Ends the operation in progress early (a stream error or too much output never reaches its callback). */
  private abort?: (err: Error) => void;

  constructor(
    private readonly z: zlib.Deflate | zlib.Inflate,
    private readonly maxOut: number,
  ) {
    z.on('data', (b: Buffer) => {
      this.collectedBytes += b.length;
      if (this.collectedBytes > this.maxOut) return this.fail(new SpdyProtocolError(`header block decompresses to more than ${this.maxOut} bytes`));
      this.collected.push(b);
    });
    z.on('error', (err) => this.fail(err));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.abort?.(this.failure);
    this.z.destroy();
  }

  run(input: Buffer): Promise<Buffer> {
    const op = this.chain.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.failure) return reject(this.failure);
          this.collected = [];
          this.collectedBytes = 0;
          this.abort = reject;
          if (input.length) this.z.write(input);
          this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            this.abort = undefined;
            if (this.failure) reject(this.failure);
            else resolve(Buffer.concat(this.collected));
          });
        }),
    );
    this.chain = op.catch(() => undefined);
    return op;
  }

  close(): void {
    this.failure ??= new Error('header codec closed');
    this.abort?.(this.failure);
    this.z.destroy();
  }
}

/** One direction's compressor: blocks must be compressed in the order their frames are sent. */
export class HeaderCompressor {
  private readonly runner = new ZlibRunner(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }), Number.MAX_SAFE_INTEGER);

  compress(headers: SpdyHeaders): Promise<Buffer> {
    return this.runner.run(encodeHeaderBlock(headers));
  }

  close(): void {
    this.runner.close();
  }
}

/** One direction's decompressor: blocks must be fed in the order their frames arrived. */
export class HeaderDecompressor {
  private readonly runner: ZlibRunner;
  private readonly maxHeaders: number;

  constructor(limits: HeaderLimits = {}) {
    this.runner = new ZlibRunner(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }), limits.maxBlockBytes ?? 64 * 1024);
    this.maxHeaders = limits.maxHeaders ?? 256;
  }

  async decompress(block: Buffer): Promise<SpdyHeaders> {
    let raw: Buffer;
    try {
      raw = await this.runner.run(block);
    } catch (err) {
      if (err instanceof SpdyProtocolError) throw err;
      throw new SpdyProtocolError(`header block does not decompress: ${(err as Error).message}`);
    }
    return decodeHeaderBlock(raw, this.maxHeaders);
  }

  close(): void {
    this.runner.close();
  }
}
