import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import type { ServerResponse } from 'node:http';
import { WatchMemoryBudget } from './flow-control/watch-memory.js';
import { CoalescingWriter } from './watch-flush.js';

/**
 * The part of a ServerResponse the writer uses, recording each write. With `hwm`, it
 * behaves like a socket whose reader is gone: bytes stay in writableLength, and past hwm
 * it needs a 'drain' (which the test gives with drain()).
 */
function fakeResponse(hwm = Infinity) {
  const writes: string[] = [];
  const res = Object.assign(new EventEmitter(), {
    writableLength: 0,
    writableNeedDrain: false,
    write(chunk: Buffer) {
      writes.push(chunk.toString());
      if (hwm === Infinity) return true;
      res.writableLength += chunk.length;
      if (res.writableLength >= hwm) res.writableNeedDrain = true;
      return !res.writableNeedDrain;
    },
  });
  const drain = () => {
    res.writableLength = 0;
    res.writableNeedDrain = false;
    res.emit('drain');
  };
  return { res, writes, drain, asResponse: res as unknown as ServerResponse };
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

  test('bufferedBytes counts the socket buffer too', () => {
    const f = fakeResponse();
    const w = new CoalescingWriter(f.asResponse);
    f.res.writableLength = 100;
    w.write(line('abc'));
    expect(w.bufferedBytes).toBe(104);
    w.discard();
  });

  test('a socket over its high-water mark gets no more lines until it drains; the backlog stays here, counted', async () => {
    const f = fakeResponse(4);
    const w = new CoalescingWriter(f.asResponse, { now: () => 42 });
    for (const x of ['aa', 'bb', 'cc', 'dd']) w.write(line(x));
    await turn();
    // 'aa\n' (3 bytes) is under the mark, 'bb\n' takes it over: the rest waits.
    expect(f.writes).toEqual(['aa\n', 'bb\n']);
    expect(w.queuedLines).toBe(2);
    expect(w.heldBytes).toBe(6);
    expect(w.stalledSince).toBe(42);
    w.write(line('ee'));
    await turn();
    expect(f.writes).toHaveLength(2);
    f.drain();
    expect(f.writes).toEqual(['aa\n', 'bb\n', 'cc\n', 'dd\n']);
    expect(w.queuedLines).toBe(1);
    f.drain();
    expect(f.writes.at(-1)).toBe('ee\n');
    expect(w.queuedLines).toBe(0);
    expect(w.stalledSince).toBeUndefined();
    w.discard();
  });

  test('the backlog is reported to the budget and given back when written, dropped or discarded', async () => {
    const budget = new WatchMemoryBudget(1 << 20);
    const f = fakeResponse(1);
    const w = new CoalescingWriter(f.asResponse, { budget });
    expect(budget.size).toBe(1);
    w.write(line('12345'));
    w.write(line('67890'));
    expect(budget.heldBytes).toBe(12);
    await turn();
    expect(budget.heldBytes).toBe(6);
    w.drop();
    expect(budget.heldBytes).toBe(0);
    w.write(line('x'));
    expect(budget.heldBytes).toBe(2);
    w.discard();
    expect(budget.heldBytes).toBe(0);
    expect(budget.size).toBe(0);
  });

  test('close() writes the whole backlog even past the high-water mark', () => {
    const f = fakeResponse(1);
    const w = new CoalescingWriter(f.asResponse);
    w.write(line('a'));
    w.write(line('b'));
    w.close();
    expect(f.writes).toEqual(['a\n', 'b\n']);
  });
});
