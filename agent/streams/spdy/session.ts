// One SPDY/3.1 session over any byte transport (an upgraded TCP socket, or the Duplex of a
// WebSocket that tunnels SPDY): streams, replies, resets, PING, GOAWAY. Each stream is a
// node Duplex, so a pod connection is wired to it with pipe() and backpressure holds.
//
// Why written here rather than taken from npm: `spdy-transport` (the one maintained-looking
// package) had its last release in 2018, carries HTTP/2 and SPDY/2 code orch has no use
// for, is built around its own connection/handle classes rather than a plain Duplex, and
// enforces SPDY/3.1 flow-control windows, which stalls against kubectl: moby/spdystream (the
// Go side of kubectl and the kubelet) never sends WINDOW_UPDATE and ignores the ones it
// receives. The framing itself is small (frames.ts, header-block.ts).
//
// Flow control, as spdystream does it: windows are neither sent nor enforced (SETTINGS and
// WINDOW_UPDATE are parsed and ignored). Backpressure is TCP's: when a stream's reader
// (the pod connection) is full, the whole transport is paused until it drains; when the
// transport's writer is full, every stream's writes wait for 'drain'.

import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import type { Logger } from '../../../foundation/logger.js';
import {
  FLAG_FIN,
  FrameReader,
  GoAwayStatus,
  RstStatus,
  SpdyProtocolError,
  dataFrameHeader,
  encodeGoAway,
  encodePing,
  encodeRstStream,
  encodeSynReply,
  encodeSynStream,
  type Frame,
} from './frames.js';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './header-block.js';

const MAX_DATA_FRAME = 0xffffff;
/**
 * Bytes a stream may buffer each way, and the transport before writers wait for 'drain'.
 * Node's 16 KiB defaults would stop every 64 KiB pod read for an event-loop turn; a few
 * MiB keep the pipe full while bounding memory per stream and per session.
 */
const STREAM_BUFFER = 1024 * 1024;
const TRANSPORT_BUFFER = 4 * 1024 * 1024;

export interface SpdySessionOptions {
  /** true: the side that accepted the upgrade (opens even stream ids, echoes odd pings). */
  server: boolean;
  logger: Logger;
  /** Streams open at once (more are refused with RST_STREAM REFUSED_STREAM). */
  maxStreams?: number;
  maxControlFrameBytes?: number;
  /**
   * The transport sends every write as a message of its own (a WebSocket): a data frame's
   * header and payload are then joined into one write (a copy). Otherwise (a socket) they
   * go out as one writev, without copying.
   */
  messageFramed?: boolean;
}

export class SpdyStream extends Duplex {
  /** Set by the session once SYN_REPLY is on the wire (or at once for streams this side opened). */
  private repliedWait?: Promise<void>;
  remoteFinished = false;
  /** Reset by either side: nothing more is sent on it. */
  reset = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: SpdyHeaders,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: STREAM_BUFFER, writableHighWaterMark: STREAM_BUFFER });
  }

  header(name: string): string | undefined {
    return this.headers[name]?.[0];
  }

  /** Accepts the peer's stream (SYN_REPLY); data written before waits for it. */
  reply(headers: SpdyHeaders = {}): Promise<void> {
    this.repliedWait ??= this.session.sendReply(this.id, headers);
    return this.repliedWait;
  }

  markOpened(written: Promise<void>): void {
    this.repliedWait = written;
  }

  /** RST_STREAM: abandons the stream both ways. */
  resetStream(status: RstStatus = RstStatus.Cancel): void {
    if (!this.reset) {
      this.reset = true;
      this.session.sendReset(this.id, status);
    }
    this.destroy();
  }

  override _read(): void {
    this.session.unblock(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.afterReply(() => this.session.sendData(this.id, chunk, 0, cb), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.afterReply(() => this.session.sendData(this.id, Buffer.alloc(0), FLAG_FIN, cb), cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // Destroyed without a clean end both ways: tell the peer, or it waits forever.
    if (!this.reset && !(this.writableFinished && this.remoteFinished)) {
      this.reset = true;
      this.session.sendReset(this.id, RstStatus.Cancel);
    }
    this.session.forget(this);
    cb(err);
  }

  private afterReply(send: () => void, cb: (err?: Error | null) => void): void {
    if (!this.repliedWait) return cb(new Error(`SPDY stream ${this.id}: data written before the stream was accepted`));
    this.repliedWait.then(
      () => (this.reset ? cb() : send()),
      (err: Error) => cb(err),
    );
  }
}

export class SpdySession extends EventEmitter {
  private readonly reader: FrameReader;
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly blocked = new Set<SpdyStream>();
  private queue: Frame[] = [];
  private decoding = false;
  private headerWrites: Promise<unknown> = Promise.resolve();
  private lastRemoteId = 0;
  private nextLocalId: number;
  private goingAway = false;
  private closed = false;

  constructor(
    private readonly transport: Duplex,
    private readonly o: SpdySessionOptions,
  ) {
    super();
    this.nextLocalId = o.server ? 2 : 1;
    this.reader = new FrameReader({ maxControlFrameBytes: o.maxControlFrameBytes });
    transport.on('data', (chunk: Buffer) => this.onBytes(chunk));
    transport.on('end', () => this.shutdown());
    transport.on('close', () => this.shutdown());
    transport.on('error', (err) => {
      this.o.logger.debug({ err }, 'SPDY transport failed');
      this.shutdown();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Opens a stream to the peer (SYN_STREAM); resolves once it is on the wire. */
  async openStream(headers: SpdyHeaders, fin = false): Promise<SpdyStream> {
    if (this.closed || this.goingAway) throw new Error('SPDY session is closing');
    const id = this.nextLocalId;
    this.nextLocalId += 2;
    const s = new SpdyStream(this, id, headers);
    this.streams.set(id, s);
    const written = this.writeHeaderFrame(headers, (block) => encodeSynStream(id, fin ? FLAG_FIN : 0, block));
    s.markOpened(written);
    await written;
    return s;
  }

  ping(id: number): void {
    this.write(encodePing(id));
  }

  /** GOAWAY then close: every stream ends; the transport is given a moment to flush. */
  close(status: GoAwayStatus = GoAwayStatus.Ok): void {
    if (this.closed) return;
    this.write(encodeGoAway(this.lastRemoteId, status));
    this.transport.end();
    this.shutdown(false);
    setTimeout(() => this.transport.destroy(), 2000).unref();
  }

  sendReply(id: number, headers: SpdyHeaders): Promise<void> {
    return this.writeHeaderFrame(headers, (block) => encodeSynReply(id, 0, block));
  }

  sendReset(id: number, status: RstStatus): void {
    this.write(encodeRstStream(id, status));
  }

  sendData(id: number, data: Buffer, flags: number, cb: (err?: Error | null) => void): void {
    if (this.closed) return cb(new Error('SPDY session closed'));
    let off = 0;
    do {
      const part = data.subarray(off, off + MAX_DATA_FRAME);
      off += part.length;
      const header = dataFrameHeader(id, off >= data.length ? flags : 0, part.length);
      if (!part.length) this.transport.write(header);
      else if (this.o.messageFramed) this.transport.write(Buffer.concat([header, part]));
      else {
        this.transport.cork();
        this.transport.write(header);
        this.transport.write(part);
        this.transport.uncork();
      }
    } while (off < data.length);
    if (this.transport.writableLength < TRANSPORT_BUFFER) return cb();
    const onDrain = () => {
      this.transport.off('close', onDrain);
      this.transport.off('drain', onDrain);
      cb(this.closed ? new Error('SPDY session closed') : null);
    };
    this.transport.once('drain', onDrain);
    this.transport.once('close', onDrain);
  }

  unblock(s: SpdyStream): void {
    if (this.blocked.delete(s)) this.updateFlow();
  }

  forget(s: SpdyStream): void {
    this.blocked.delete(s);
    if (this.streams.get(s.id) === s) this.streams.delete(s.id);
    this.updateFlow();
    if (this.goingAway && this.streams.size === 0) this.close();
  }

  private write(frame: Buffer): void {
    if (!this.closed && this.transport.writable) this.transport.write(frame);
  }

  private writeHeaderFrame(headers: SpdyHeaders, build: (block: Buffer) => Buffer): Promise<void> {
    const compressed = this.compressor.compress(headers);
    const written = this.headerWrites.then(async () => {
      const block = await compressed;
      if (this.closed) throw new Error('SPDY session closed');
      this.transport.write(build(block));
    });
    this.headerWrites = written.catch(() => undefined);
    return written;
  }

  private onBytes(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.queue.push(...this.reader.feed(chunk));
    } catch (err) {
      return this.fail(err);
    }
    this.pump();
  }

  /** Handles queued frames in order; a frame with a header block pauses the queue while it decompresses. */
  private pump(): void {
    while (!this.decoding && this.queue.length && !this.closed) {
      const f = this.queue.shift()!;
      if (f.kind === 'syn_stream' || f.kind === 'syn_reply' || f.kind === 'headers') {
        this.decoding = true;
        this.updateFlow();
        this.decompressor.decompress(f.block).then(
          (headers) => {
            this.decoding = false;
            try {
              if (f.kind === 'syn_stream') this.onSynStream(f, headers);
            } catch (err) {
              return this.fail(err);
            }
            this.updateFlow();
            this.pump();
          },
          (err) => this.fail(err),
        );
        return;
      }
      try {
        this.onFrame(f);
      } catch (err) {
        return this.fail(err);
      }
    }
  }

  private onSynStream(f: Extract<Frame, { kind: 'syn_stream' }>, headers: SpdyHeaders): void {
    const id = f.streamId;
    const peerParity = this.o.server ? 1 : 0;
    if (id % 2 !== peerParity || id <= this.lastRemoteId) throw new SpdyProtocolError(`SYN_STREAM with stream id ${id} (the peer's ids are ${peerParity ? 'odd' : 'even'} and increasing; last ${this.lastRemoteId})`);
    this.lastRemoteId = id;
    if (this.goingAway) return this.sendReset(id, RstStatus.RefusedStream);
    if (this.streams.size >= (this.o.maxStreams ?? 1000)) return this.sendReset(id, RstStatus.RefusedStream);
    const s = new SpdyStream(this, id, headers);
    this.streams.set(id, s);
    if (f.flags & FLAG_FIN) this.finishRemote(s);
    this.emit('stream', s);
  }

  private onFrame(f: Frame): void {
    switch (f.kind) {
      case 'data': {
        const s = this.streams.get(f.streamId);
        // Data for a stream already gone (reset by us, or never opened): dropped, as spdystream does.
        if (!s) return;
        if (s.remoteFinished) return s.resetStream(RstStatus.StreamAlreadyClosed);
        if (f.data.length && !s.push(f.data)) {
          this.blocked.add(s);
          this.updateFlow();
        }
        if (f.flags & FLAG_FIN) this.finishRemote(s);
        return;
      }
      case 'rst_stream': {
        const s = this.streams.get(f.streamId);
        if (!s) return;
        s.reset = true;
        s.destroy();
        return;
      }
      case 'ping':
        // Echo the peer's pings (their ids have the peer's parity); ours need no answer.
        if ((f.id & 1) === (this.o.server ? 1 : 0)) this.write(encodePing(f.id));
        return;
      case 'goaway':
        this.goingAway = true;
        if (this.streams.size === 0) this.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE and unknown control frames: nothing to do (see the header).
        return;
    }
  }

  private finishRemote(s: SpdyStream): void {
    s.remoteFinished = true;
    s.push(null);
  }

  private updateFlow(): void {
    if (this.closed) return;
    if (this.decoding || this.blocked.size > 0) this.transport.pause();
    else this.transport.resume();
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    const protocol = err instanceof SpdyProtocolError;
    if (protocol) this.o.logger.debug({ err }, 'SPDY peer broke the protocol: GOAWAY');
    else this.o.logger.warn({ err }, 'SPDY session failed');
    this.close(protocol ? GoAwayStatus.ProtocolError : GoAwayStatus.InternalError);
  }

  private shutdown(destroyTransport = true): void {
    if (this.closed) return;
    this.closed = true;
    this.compressor.close();
    this.decompressor.close();
    for (const s of [...this.streams.values()]) {
      s.reset = true;
      s.destroy();
    }
    this.streams.clear();
    this.queue = [];
    if (destroyTransport && !this.transport.destroyed) this.transport.destroy();
    this.emit('close');
  }
}
