// Docker multiplexes stdout and stderr of non-TTY containers into frames:
// [stream(1), 0, 0, 0, size(uint32 BE)] + payload. The log server and `orch logs` want
// plain text, so this Transform strips the headers. Payload is passed on as it arrives
// (a frame split across chunks is never held whole), and what one chunk carries goes out
// as one buffer: a 1 GB log of short lines is not a million tiny writes.

import { Transform, type TransformCallback } from 'node:stream';

export class DockerDemux extends Transform {
  private readonly header = Buffer.alloc(8);
  private headerBytes = 0;
  /** Payload bytes of the current frame still to come. */
  private left = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const parts: Buffer[] = [];
    let off = 0;
    while (off < chunk.length) {
      if (this.left > 0) {
        const n = Math.min(this.left, chunk.length - off);
        parts.push(chunk.subarray(off, off + n));
        off += n;
        this.left -= n;
        continue;
      }
      const n = Math.min(8 - this.headerBytes, chunk.length - off);
      chunk.copy(this.header, this.headerBytes, off, off + n);
      this.headerBytes += n;
      off += n;
      if (this.headerBytes === 8) {
        this.left = this.header.readUInt32BE(4);
        this.headerBytes = 0;
      }
    }
    if (parts.length === 1) this.push(parts[0]);
    else if (parts.length > 1) this.push(Buffer.concat(parts));
    cb();
  }
}
