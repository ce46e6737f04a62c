// SPDY/3.1 frame layout (SPDY Protocol Draft 3.1, section 2.2): the bytes only, no session
// state. Every frame has an 8-byte header:
//   control: 1 | version(15) | type(16) | flags(8) | length(24) | payload
//   data:    0 | stream-id(31)          | flags(8) | length(24) | payload
// FrameReader cuts an incoming byte stream into frames (any chunking: a WebSocket message
// or a TCP read may hold half a frame or several) and checks what the layout alone can
// check; encode* build outgoing frames. Header blocks stay compressed here (header-block.ts).

export const SPDY_VERSION = 3;

export const enum FrameType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes (section 2.6.3). */
export const enum RstStatus {
  ProtocolError = 1,
  InvalidStream = 2,
  RefusedStream = 3,
  UnsupportedVersion = 4,
  Cancel = 5,
  InternalError = 6,
  FlowControlError = 7,
  StreamInUse = 8,
  StreamAlreadyClosed = 9,
  FrameTooLarge = 11,
}

/** GOAWAY status codes (section 2.6.6). */
export const enum GoAwayStatus {
  Ok = 0,
  ProtocolError = 1,
  InternalError = 2,
}

export type Frame =
  | { kind: 'data'; streamId: number; flags: number; data: Buffer }
  | { kind: 'syn_stream'; streamId: number; associatedId: number; priority: number; flags: number; block: Buffer }
  | { kind: 'syn_reply'; streamId: number; flags: number; block: Buffer }
  | { kind: 'headers'; streamId: number; flags: number; block: Buffer }
  | { kind: 'rst_stream'; streamId: number; status: number }
  | { kind: 'settings'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { kind: 'ping'; id: number }
  | { kind: 'goaway'; lastGoodStreamId: number; status: number }
  | { kind: 'window_update'; streamId: number; delta: number }
  /** A control frame type SPDY/3.1 does not define: the spec says to ignore it. */
  | { kind: 'unknown'; type: number };

/** The peer broke the framing: the session answers with GOAWAY PROTOCOL_ERROR and closes. */
export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

const HEADER_LEN = 8;
const MAX_LENGTH = 0xffffff;
const STREAM_ID_MASK = 0x7fffffff;

export interface FrameReaderOptions {
  /** Longest control frame accepted (they carry header blocks; the data frame limit is the format's 16 MiB). */
  maxControlFrameBytes?: number;
}

/** Cuts a byte stream into frames. Not reentrant: feed() returns the frames complete so far. */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly maxControl: number;

  constructor(o: FrameReaderOptions = {}) {
    this.maxControl = o.maxControlFrameBytes ?? 256 * 1024;
  }

  /** Bytes held for a frame not yet complete. */
  get buffered(): number {
    return this.pendingBytes;
  }

  feed(chunk: Buffer): Frame[] {
    if (chunk.length) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    const out: Frame[] = [];
    for (;;) {
      if (this.pendingBytes < HEADER_LEN) return out;
      const head = this.peek(HEADER_LEN);
      const control = (head[0]! & 0x80) !== 0;
      const length = head.readUInt32BE(4) & MAX_LENGTH;
      if (control && length > this.maxControl) throw new SpdyProtocolError(`control frame of ${length} bytes is over the ${this.maxControl}-byte limit`);
      if (this.pendingBytes < HEADER_LEN + length) return out;
      const frame = this.take(HEADER_LEN + length);
      out.push(control ? parseControl(frame) : parseData(frame));
    }
  }

  private peek(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const first = this.pending[0]!;
    let frame: Buffer;
    if (first.length >= n) {
      frame = first.subarray(0, n);
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.pending);
      frame = all.subarray(0, n);
      this.pending = all.length > n ? [all.subarray(n)] : [];
    }
    this.pendingBytes -= n;
    return frame;
  }
}

function parseData(f: Buffer): Frame {
  const streamId = f.readUInt32BE(0) & STREAM_ID_MASK;
  if (streamId === 0) throw new SpdyProtocolError('data frame on stream 0');
  return { kind: 'data', streamId, flags: f[4]!, data: f.subarray(HEADER_LEN) };
}

function need(p: Buffer, n: number, what: string, exact = false): void {
  if (exact ? p.length !== n : p.length < n) throw new SpdyProtocolError(`${what} frame has ${p.length} payload bytes, expected ${exact ? '' : 'at least '}${n}`);
}

function streamIdOf(p: Buffer, what: string): number {
  const id = p.readUInt32BE(0) & STREAM_ID_MASK;
  if (id === 0) throw new SpdyProtocolError(`${what} frame on stream 0`);
  return id;
}

function parseControl(f: Buffer): Frame {
  const version = f.readUInt16BE(0) & 0x7fff;
  if (version !== SPDY_VERSION) throw new SpdyProtocolError(`SPDY version ${version} is not supported (only 3)`);
  const type = f.readUInt16BE(2);
  const flags = f[4]!;
  const p = f.subarray(HEADER_LEN);
  switch (type) {
    case FrameType.SynStream:
      need(p, 10, 'SYN_STREAM');
      return {
        kind: 'syn_stream',
        streamId: streamIdOf(p, 'SYN_STREAM'),
        associatedId: p.readUInt32BE(4) & STREAM_ID_MASK,
        priority: p[8]! >> 5,
        flags,
        block: p.subarray(10),
      };
    case FrameType.SynReply:
      need(p, 4, 'SYN_REPLY');
      return { kind: 'syn_reply', streamId: streamIdOf(p, 'SYN_REPLY'), flags, block: p.subarray(4) };
    case FrameType.Headers:
      need(p, 4, 'HEADERS');
      return { kind: 'headers', streamId: streamIdOf(p, 'HEADERS'), flags, block: p.subarray(4) };
    case FrameType.RstStream:
      need(p, 8, 'RST_STREAM', true);
      return { kind: 'rst_stream', streamId: streamIdOf(p, 'RST_STREAM'), status: p.readUInt32BE(4) };
    case FrameType.Settings: {
      need(p, 4, 'SETTINGS');
      const count = p.readUInt32BE(0);
      if (p.length !== 4 + count * 8) throw new SpdyProtocolError(`SETTINGS frame says ${count} entries but has ${p.length} payload bytes`);
      const entries = [];
      for (let i = 0; i < count; i++) {
        const fid = p.readUInt32BE(4 + i * 8);
        entries.push({ flags: fid >>> 24, id: fid & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
      }
      return { kind: 'settings', flags, entries };
    }
    case FrameType.Ping:
      need(p, 4, 'PING', true);
      return { kind: 'ping', id: p.readUInt32BE(0) };
    case FrameType.GoAway:
      need(p, 8, 'GOAWAY', true);
      return { kind: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & STREAM_ID_MASK, status: p.readUInt32BE(4) };
    case FrameType.WindowUpdate: {
      need(p, 8, 'WINDOW_UPDATE', true);
      const delta = p.readUInt32BE(4) & STREAM_ID_MASK;
      if (delta === 0) throw new SpdyProtocolError('WINDOW_UPDATE with a delta of 0');
      return { kind: 'window_update', streamId: p.readUInt32BE(0) & STREAM_ID_MASK, delta };
    }
    default:
      return { kind: 'unknown', type };
  }
}

function controlHeader(type: FrameType, flags: number, length: number): Buffer {
  const h = Buffer.alloc(HEADER_LEN);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(length, 4);
  h[4] = flags;
  return h;
}

/** The 8-byte header of a data frame; the payload is written after it as is (no copy). */
export function dataFrameHeader(streamId: number, flags: number, length: number): Buffer {
  if (length > MAX_LENGTH) throw new RangeError(`data frame of ${length} bytes is over SPDY's 16 MiB`);
  const h = Buffer.alloc(HEADER_LEN);
  h.writeUInt32BE(streamId & STREAM_ID_MASK, 0);
  h.writeUInt32BE(length, 4);
  h[4] = flags;
  return h;
}

export function encodeSynStream(streamId: number, flags: number, block: Buffer, priority = 0, associatedId = 0): Buffer {
  const p = Buffer.alloc(10);
  p.writeUInt32BE(streamId & STREAM_ID_MASK, 0);
  p.writeUInt32BE(associatedId & STREAM_ID_MASK, 4);
  p[8] = (priority & 7) << 5;
  return Buffer.concat([controlHeader(FrameType.SynStream, flags, 10 + block.length), p, block]);
}

export function encodeSynReply(streamId: number, flags: number, block: Buffer): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(streamId & STREAM_ID_MASK, 0);
  return Buffer.concat([controlHeader(FrameType.SynReply, flags, 4 + block.length), p, block]);
}

function twoWords(type: FrameType, a: number, b: number): Buffer {
  const f = controlHeader(type, 0, 8);
  return Buffer.concat([f, Buffer.from([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255, b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255])]);
}

export function encodeRstStream(streamId: number, status: RstStatus): Buffer {
  return twoWords(FrameType.RstStream, streamId & STREAM_ID_MASK, status);
}

export function encodeGoAway(lastGoodStreamId: number, status: GoAwayStatus): Buffer {
  return twoWords(FrameType.GoAway, lastGoodStreamId & STREAM_ID_MASK, status);
}

export function encodeWindowUpdate(streamId: number, delta: number): Buffer {
  return twoWords(FrameType.WindowUpdate, streamId & STREAM_ID_MASK, delta & STREAM_ID_MASK);
}

export function encodePing(id: number): Buffer {
  const f = controlHeader(FrameType.Ping, 0, 4);
  const p = Buffer.alloc(4);
  p.writeUInt32BE(id >>> 0, 0);
  return Buffer.concat([f, p]);
}

export function encodeSettings(entries: { flags: number; id: number; value: number }[]): Buffer {
  const p = Buffer.alloc(4 + entries.length * 8);
  p.writeUInt32BE(entries.length, 0);
  entries.forEach((e, i) => {
    p.writeUInt32BE(((e.flags & 255) << 24 | (e.id & 0xffffff)) >>> 0, 4 + i * 8);
    p.writeUInt32BE(e.value >>> 0, 8 + i * 8);
  });
  return Buffer.concat([controlHeader(FrameType.Settings, 0, p.length), p]);
}
