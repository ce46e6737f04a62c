import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { copyLines } from './log-lines.js';

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p);
}

function sink(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  const got: Buffer[] = [];
  out.on('data', (c: Buffer) => got.push(c));
  return { out, text: () => Buffer.concat(got).toString() };
}

describe('copyLines', () => {
  it('prefixes every line, also lines split across chunks, and keeps a last line without newline', async () => {
    const s = sink();
    await copyLines(chunks('one\ntw', 'o\nthr', 'ee'), s.out, '[p/c] ');
    expect(s.text()).toBe('[p/c] one\n[p/c] two\n[p/c] three');
  });

  it('two streams sharing one output never mix within a line', async () => {
    const s = sink();
    await Promise.all([copyLines(chunks('a1', '-a\n', 'a2', '-a\n'), s.out, 'A '), copyLines(chunks('b1', '-b\n', 'b2', '-b\n'), s.out, 'B ')]);
    expect(s.text().trimEnd().split('\n').sort()).toEqual(['A a1-a', 'A a2-a', 'B b1-b', 'B b2-b']);
  });

  it('waits for a full output to drain (the source is read only as fast as out takes it)', async () => {
    let pending: (() => void) | undefined;
    let written = 0;
    const slow = new Writable({
      highWaterMark: 4,
      write(chunk: Buffer, _e, cb) {
        written += chunk.length;
        pending = cb;
      },
    });
    let pulled = 0;
    async function* source(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 5; i++) {
        pulled++;
        yield Buffer.from(`line ${i}\n`);
      }
    }
    const done = copyLines(source(), slow);
    await new Promise((r) => setImmediate(r));
    // The first write filled `slow`: copyLines waits for 'drain' instead of pulling on.
    expect(pulled).toBe(1);
    while (pulled < 5 || pending) {
      const cb = pending;
      pending = undefined;
      cb?.();
      await new Promise((r) => setImmediate(r));
    }
    await done;
    expect(written).toBe(35);
  });
});
