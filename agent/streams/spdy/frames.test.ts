import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SPDY3_DICTIONARY } from './dictionary.js';
import {
  FLAG_FIN,
  FrameReader,
  SpdyProtocolError,
  dataFrameHeader,
  encodeGoAway,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeSynReply,
  encodeSynStream,
  encodeWindowUpdate,
  type Frame,
} from './frames.js';
import { HeaderCompressor, HeaderDecompressor, decodeHeaderBlock, encodeHeaderBlock } from './header-block.js';

describe('SPDY/3 dictionary', () => {
  it('is the 1,423 bytes of the spec (checksum of moby/spdystream and the draft)', () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(crypto.createHash('sha256').update(SPDY3_DICTIONARY).digest('hex')).toBe('51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
  });
});

describe('FrameReader', () => {
  const all = (): Buffer[] => [
    encodeSynStream(1, FLAG_FIN, Buffer.from('block-a'), 3, 0),
    encodeSynReply(2, 0, Buffer.from('b')),
    Buffer.concat([dataFrameHeader(1, FLAG_FIN, 5), Buffer.from('hello')]),
    encodeRstStream(3, 5),
    encodeSettings([{ flags: 1, id: 7, value: 65536 }]),
    encodePing(7),
    encodeGoAway(9, 1),
    encodeWindowUpdate(1, 1000),
  ];

  it('round-trips every frame type, whatever the chunking', () => {
    const wire = Buffer.concat(all());
    const expected: Frame[] = [
      { kind: 'syn_stream', streamId: 1, associatedId: 0, priority: 3, flags: FLAG_FIN, block: Buffer.from('block-a') },
      { kind: 'syn_reply', streamId: 2, flags: 0, block: Buffer.from('b') },
      { kind: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.from('hello') },
      { kind: 'rst_stream', streamId: 3, status: 5 },
      { kind: 'settings', flags: 0, entries: [{ flags: 1, id: 7, value: 65536 }] },
      { kind: 'ping', id: 7 },
      { kind: 'goaway', lastGoodStreamId: 9, status: 1 },
      { kind: 'window_update', streamId: 1, delta: 1000 },
    ];
    for (const size of [1, 3, 7, 8, 9, 64, wire.length]) {
      const r = new FrameReader();
      const got: Frame[] = [];
      for (let i = 0; i < wire.length; i += size) got.push(...r.feed(wire.subarray(i, i + size)));
      expect(got).toEqual(expected);
      expect(r.buffered).toBe(0);
    }
  });

  it('keeps an incomplete frame until the rest arrives', () => {
    const r = new FrameReader();
    const f = Buffer.concat([dataFrameHeader(5, 0, 4), Buffer.from('abcd')]);
    expect(r.feed(f.subarray(0, 10))).toEqual([]);
    expect(r.buffered).toBe(10);
    expect(r.feed(f.subarray(10))).toEqual([{ kind: 'data', streamId: 5, flags: 0, data: Buffer.from('abcd') }]);
  });

  it('skips control frame types SPDY/3.1 does not define', () => {
    const f = encodePing(1);
    f.writeUInt16BE(0x42, 2);
    expect(new FrameReader().feed(f)).toEqual([{ kind: 'unknown', type: 0x42 }]);
  });

  const bad: [string, () => Buffer, RegExp][] = [
    ['another SPDY version', () => { const f = encodePing(1); f.writeUInt16BE(0x8002, 0); return f; }, /version 2/],
    ['a data frame on stream 0', () => dataFrameHeader(0, 0, 0), /stream 0/],
    ['a SYN_STREAM on stream 0', () => encodeSynStream(0, 0, Buffer.alloc(0)), /stream 0/],
    ['a short SYN_STREAM', () => { const f = encodeSynStream(1, 0, Buffer.alloc(0)); f.writeUInt32BE(4, 4); return f.subarray(0, 12); }, /SYN_STREAM frame has 4/],
    ['a PING of 5 bytes', () => { const f = Buffer.concat([encodePing(1), Buffer.alloc(1)]); f[7] = 5; return f; }, /PING frame has 5/],
    ['a RST_STREAM of 4 bytes', () => { const f = encodeRstStream(1, 1).subarray(0, 12); f[7] = 4; return f; }, /RST_STREAM frame has 4/],
    ['SETTINGS with a wrong count', () => { const f = encodeSettings([{ flags: 0, id: 1, value: 1 }]); f.writeUInt32BE(3, 8); return f; }, /3 entries/],
    ['a WINDOW_UPDATE of 0', () => encodeWindowUpdate(1, 0), /delta of 0/],
    ['an oversized control frame', () => { const f = encodePing(1); f.writeUInt32BE(0x00ffffff, 4); return f; }, /limit/],
  ];
  it.each(bad)('refuses %s with a protocol error', (_name, make, msg) => {
    expect(() => new FrameReader().feed(make())).toThrow(SpdyProtocolError);
    expect(() => new FrameReader().feed(make())).toThrow(msg);
  });

  it('never throws anything but a protocol error on random bytes', () => {
    for (let i = 0; i < 3000; i++) {
      const r = new FrameReader({ maxControlFrameBytes: 4096 });
      const junk = crypto.randomBytes(1 + (i % 200));
      try {
        r.feed(junk);
      } catch (err) {
        expect(err).toBeInstanceOf(SpdyProtocolError);
      }
    }
  });
});

describe('header blocks', () => {
  it('round-trips headers with several values', () => {
    const h = { streamtype: ['data'], port: ['8080'], requestid: ['0'], multi: ['a', 'b'] };
    expect(decodeHeaderBlock(encodeHeaderBlock(h))).toEqual(h);
  });

  it.each([
    ['a truncated block', Buffer.from([0, 0, 0, 1, 0, 0, 0, 9, 97])],
    // encodeHeaderBlock lowercases names: "Port" written by hand.
    ['an uppercase name', Buffer.from([0, 0, 0, 1, 0, 0, 0, 4, 80, 111, 114, 116, 0, 0, 0, 1, 49])],
    ['an empty name', encodeHeaderBlock({ '': ['1'] })],
    ['bytes after the last header', Buffer.concat([encodeHeaderBlock({ a: ['1'] }), Buffer.from([0])])],
  ])('refuses %s', (_n, block) => {
    expect(() => decodeHeaderBlock(block)).toThrow(SpdyProtocolError);
  });

  it('refuses a name given twice and more headers than the limit', () => {
    const twice = Buffer.concat([Buffer.from([0, 0, 0, 2]), encodeHeaderBlock({ a: ['1'] }).subarray(4), encodeHeaderBlock({ a: ['2'] }).subarray(4)]);
    expect(() => decodeHeaderBlock(twice)).toThrow(/twice/);
    expect(() => decodeHeaderBlock(Buffer.from([0, 0, 1, 0]), 10)).toThrow(/256 headers/);
  });

  it('compresses across frames: each block continues the stream, and only decodes in order', async () => {
    const c = new HeaderCompressor();
    const d = new HeaderDecompressor();
    const blocks = await Promise.all(Array.from({ length: 50 }, (_, i) => c.compress({ streamtype: [i % 2 ? 'data' : 'error'], port: [String(1000 + i)], requestid: [String(i >> 1)] })));
    // The dictionary and the earlier blocks make later ones short (a fresh stream would be ~40 bytes).
    expect(blocks[49]!.length).toBeLessThan(blocks[0]!.length);
    for (let i = 0; i < 50; i++) expect(await d.decompress(blocks[i]!)).toEqual({ streamtype: [i % 2 ? 'data' : 'error'], port: [String(1000 + i)], requestid: [String(i >> 1)] });
    // A second decompressor that skips block 0 cannot read block 1.
    const late = new HeaderDecompressor();
    await expect(late.decompress(blocks[1]!)).rejects.toThrow(SpdyProtocolError);
    c.close();
    d.close();
  });

  it('is readable by plain zlib with the dictionary (what Go compress/zlib does)', async () => {
    const c = new HeaderCompressor();
    const b1 = await c.compress({ a: ['1'] });
    const b2 = await c.compress({ b: ['2'] });
    const raw = zlib.inflateSync(Buffer.concat([b1, b2]), { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(raw).toEqual(Buffer.concat([encodeHeaderBlock({ a: ['1'] }), encodeHeaderBlock({ b: ['2'] })]));
    c.close();
  });

  it('stops a block that inflates past the limit (a zip bomb) and refuses garbage', async () => {
    const bomb = zlib.deflateSync(Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 97]), Buffer.from([0, 0x10, 0, 0]), Buffer.alloc(0x100000, 97)]), { dictionary: SPDY3_DICTIONARY });
    await expect(new HeaderDecompressor({ maxBlockBytes: 64 * 1024 }).decompress(bomb)).rejects.toThrow(/more than 65536/);
    const d = new HeaderDecompressor();
    await expect(d.decompress(Buffer.from('not zlib at all'))).rejects.toThrow(SpdyProtocolError);
    // Once broken, it stays broken (the stream state is lost) instead of hanging.
    await expect(d.decompress(Buffer.from([1, 2, 3]))).rejects.toThrow();
  });
});
