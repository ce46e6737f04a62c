// Docker multiplexes stdout and stderr of non-TTY containers into frames:
// [stream(1), 0, 0, 0, size(uint32 BE)] + payload. The log server and `orch logs` want
// plain text, so this Transform strips the headers, coping with frames split across chunks.

import { Transform, type TransformCallback } from 'node:stream';

export class DockerDemux extends Transform {
  private pending: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    while (this.pending.length - off >= 8) {
      const size = this.pending.readUInt32BE(off + 4);
      if (this.pending.length - off - 8 < size) break;
      if (size > 0) this.push(this.pending.subarray(off + 8, off + 8 + size));
      off += 8 + size;
    }
    this.pending = this.pending.subarray(off);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    // A truncated trailing frame: pass on what we have rather than lose it.
    if (this.pending.length > 8) this.push(this.pending.subarray(8));
    cb();
  }
}
