import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readWatchEvents, WatchDecodeError, WatchEventParser } from './watch-stream.js';

const ev = (type: string, name: string, rv: string) => JSON.stringify({ type, object: { kind: 'Pod', metadata: { name, resourceVersion: rv } } }) + '\n';

describe('WatchEventParser', () => {
  it('parses several events in one chunk', () => {
    const p = new WatchEventParser();
    const out = p.push(ev('ADDED', 'a', '1') + ev('MODIFIED', 'a', '2') + ev('DELETED', 'a', '3'));
    expect(out.map((e) => [e.type, e.object.metadata.resourceVersion])).toEqual([
      ['ADDED', '1'],
      ['MODIFIED', '2'],
      ['DELETED', '3'],
    ]);
  });

  it('reassembles an event split across chunks at every possible byte offset', () => {
    const text = ev('ADDED', 'a', '1') + ev('BOOKMARK', '', '7');
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const p = new WatchEventParser();
      const out = [...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut)), ...p.end()];
      expect(out.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    }
  });

  it('keeps multi-byte UTF-8 characters intact when a chunk boundary splits them', () => {
    const text = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'x', annotations: { note: 'héllo ✓ 日本' } } } }) + '\n';
    const bytes = Buffer.from(text);
    const p = new WatchEventParser();
    const out = [];
    for (let i = 0; i < bytes.length; i++) out.push(...p.push(bytes.subarray(i, i + 1)));
    expect(out).toHaveLength(1);
    expect(out[0]!.object.metadata.annotations).toEqual({ note: 'héllo ✓ 日本' });
  });

  it('accepts a final complete event without a newline and drops a truncated one', () => {
    const p1 = new WatchEventParser();
    expect(p1.push(ev('ADDED', 'a', '1').trimEnd())).toEqual([]);
    expect(p1.end().map((e) => e.type)).toEqual(['ADDED']);
    const p2 = new WatchEventParser();
    p2.push(ev('ADDED', 'a', '1') + '{"type":"MODI');
    expect(p2.end()).toEqual([]);
  });

  it('ignores blank lines and CRLF, rejects garbage and unknown types', () => {
    const p = new WatchEventParser();
    expect(p.push('\n\r\n' + ev('ADDED', 'a', '1').replace('\n', '\r\n')).map((e) => e.type)).toEqual(['ADDED']);
    expect(() => new WatchEventParser().push('not json\n')).toThrow(WatchDecodeError);
    expect(() => new WatchEventParser().push('{"type":"WHATEVER","object":{}}\n')).toThrow(/not a watch event/);
    expect(() => new WatchEventParser().push('{"type":"ADDED"}\n')).toThrow(/without an object/);
  });

  it('passes ERROR events with their Status through', () => {
    const p = new WatchEventParser();
    const out = p.push(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }) + '\n');
    expect(out[0]!.type).toBe('ERROR');
    expect((out[0]!.object as unknown as { code: number }).code).toBe(410);
  });
});

describe('readWatchEvents', () => {
  it('yields the events of a chunked stream in order', async () => {
    const text = ev('ADDED', 'a', '1') + ev('MODIFIED', 'a', '2') + ev('DELETED', 'a', '3');
    const chunks = [text.slice(0, 5), text.slice(5, 70), text.slice(70)].map((s) => Buffer.from(s));
    const out = [];
    for await (const e of readWatchEvents(Readable.from(chunks))) out.push(e.object.metadata.resourceVersion);
    expect(out).toEqual(['1', '2', '3']);
  });

  it('propagates stream errors', async () => {
    async function* broken() {
      yield Buffer.from(ev('ADDED', 'a', '1'));
      throw new Error('socket hang up');
    }
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const e of readWatchEvents(broken())) seen.push(e.type);
      })(),
    ).rejects.toThrow('socket hang up');
    expect(seen).toEqual(['ADDED']);
  });
});
