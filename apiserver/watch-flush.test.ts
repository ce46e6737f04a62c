import { describe, expect, test } from 'vitest';
import type { ServerResponse } from 'node:http';
import { CoalescingWriter } from './watch-flush.js';

/** The part of a ServerResponse the writer uses, recording each write. */
function fakeResponse() {
  const writes: string[] = [];
  const res = {
    writableLength: 0,
    writableNeedDrain: false,
    write(chunk: Buffer) {
      writes.push(chunk.toString());
      return true;
    },
  };
  return { res, writes, asResponse: res as unknown as ServerResponse };
}

const turn = () => new Promise<void>((r) => setImmediate(r));
const line = (s: string) => Buffer.from(`${s}\n`);

describe('CoalescingWriter', () => {
  test('lines queued in one turn leave together, in order, at the end of the turn', async () => {
    const f = fakeResponse();
    const w = new CoalescingWriter(f.asResponse);
    w.write(line('a'));
    w.write(line('b'));
    w.write(line('c'));
    expect(f.writes).toEqual([]);
    expect(w.bufferedBytes).toBe(6);
    await turn();
    expect(f.writes).toEqual(['a\n', 'b\n', 'c\n']);
    expect(w.bufferedBytes).toBe(0);
  });

  test('lines of separate turns are separate writes; every writer with lines is flushed', async () => {
    const f1 = fakeResponse();
    const f2 = fakeResponse();
    const w1 = new CoalescingWriter(f1.asResponse);
    const w2 = new CoalescingWriter(f2.asResponse);
    w1.write(line('1'));
    w2.write(line('x'));
    await turn();
    w1.write(line('2'));
    await turn();
    expect(f1.writes).toEqual(['1\n', '2\n']);
    expect(f2.writes).toEqual(['x\n']);
  });

  test('close() writes what is queued at once and ignores later lines; discard() drops them', async () => {
    const f = fakeResponse();
    const w = new CoalescingWriter(f.asResponse);
    w.write(line('last'));
    w.close();
    expect(f.writes).toEqual(['last\n']);
    w.write(line('late'));
    await turn();
    expect(f.writes).toEqual(['last\n']);

    const g = fakeResponse();
    const d = new CoalescingWriter(g.asResponse);
    d.write(line('lost'));
    d.discard();
    await turn();
    expect(g.writes).toEqual([]);
  });

  test('bufferedBytes counts the socket buffer too; full follows the socket', () => {
    const f = fakeResponse();
    const w = new CoalescingWriter(f.asResponse);
    f.res.writableLength = 100;
    w.write(line('abc'));
    expect(w.bufferedBytes).toBe(104);
    expect(w.full).toBe(false);
    f.res.writableNeedDrain = true;
    expect(w.full).toBe(true);
    w.discard();
  });
});
