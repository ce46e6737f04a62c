// logs() against the real engine: a log is streamed as the caller reads it, never read
// whole into the agent (the old code buffered a non-follow answer, then copied it once more
// to strip Docker's frame headers), and the options Docker applies (tail, since) hold.

import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../foundation/logger.js';
import { DockerRuntime } from './docker-runtime.js';
import { isRuntimeError } from './types.js';

const run = promisify(execFile);
const rt = new DockerRuntime({ logger: silentLogger() });
const LABELS = { 'orch.test/suite': 'h17-logs-docker-logs' };
const LINE = `${'0123456789abcdef'.repeat(4)}\n`; // 65 bytes
const LINES = 400_000; // 26 MB of log
let big = '';

async function waitExited(id: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await rt.inspect(id))?.state === 'exited') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the log writer did not finish');
}

beforeAll(async () => {
  for (const c of await rt.listContainers(LABELS)) await rt.remove(c.id, { force: true });
  big = await rt.create({
    name: `h17-logs-big-${process.pid}`,
    image: 'orch.local/busybox:latest',
    // seq numbers each line so order and completeness can be checked.
    cmd: ['sh', '-c', `seq -w 1 ${LINES} | sed 's/$/ ${LINE.trim().slice(0, 58)}/'`],
    labels: LABELS,
    env: [],
    ports: [],
    binds: [],
    networkMode: 'none',
  });
  await rt.start(big);
  await waitExited(big);
}, 120_000);
afterAll(async () => {
  for (const c of await rt.listContainers(LABELS)) await rt.remove(c.id, { force: true });
});

/** Reads `s` to its end one chunk at a time, recording the most it ever held buffered. */
async function drainSlowly(s: Readable): Promise<{ bytes: number; lines: number; maxBuffered: number; last: string }> {
  let bytes = 0;
  let lines = 0;
  let maxBuffered = 0;
  let tail = '';
  for (;;) {
    maxBuffered = Math.max(maxBuffered, s.readableLength);
    const chunk = s.read() as Buffer | null;
    if (chunk === null) {
      if (s.readableEnded) break;
      await new Promise<void>((resolve) => {
        const done = () => {
          s.off('readable', done);
          s.off('end', done);
          resolve();
        };
        s.on('readable', done);
        s.on('end', done);
      });
      continue;
    }
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines++;
    tail = (tail + chunk.toString('latin1')).slice(-200);
    // A slow reader: give Docker's side every chance to push more than was asked for.
    await new Promise((r) => setImmediate(r));
  }
  return { bytes, lines, maxBuffered, last: tail.trimEnd().split('\n').pop() ?? '' };
}

describe('DockerRuntime.logs', () => {
  it('streams a finished 26 MB log without holding it: the stream never buffers more than a little', async () => {
    const s = await rt.logs(big, {});
    // The old code resolved only once it had the whole log in memory (readableLength = all of it).
    expect(s.readableLength).toBeLessThan(1 << 20);
    const r = await drainSlowly(s);
    expect(r.lines).toBe(LINES);
    expect(r.bytes).toBe(LINES * 66);
    expect(r.maxBuffered).toBeLessThan(1 << 20);
    expect(r.last.startsWith(String(LINES))).toBe(true);
  }, 120_000);

  it('tail is exact on a big log; a stream given up early is closed', async () => {
    const t = await drainSlowly(await rt.logs(big, { tail: 3 }));
    expect(t.lines).toBe(3);
    expect(t.last.startsWith(String(LINES))).toBe(true);
    const s = await rt.logs(big, {});
    await once(s, 'readable');
    expect(s.read()).not.toBeNull();
    s.destroy();
    await once(s, 'close');
  }, 60_000);

  it('a TTY container\'s log (no frame headers) reads as written', async () => {
    const name = `h17-logs-tty-${process.pid}`;
    await run('docker', ['run', '-d', '-t', '--name', name, '--label', 'orch.test/suite=h17-logs-docker-logs', 'orch.local/busybox:latest', 'sh', '-c', 'echo hello from a tty; sleep 60']);
    let text = '';
    for (let i = 0; i < 100 && !text.includes('\n'); i++) {
      text = '';
      for await (const chunk of await rt.logs(name, {})) text += String(chunk);
      if (!text) await new Promise((r) => setTimeout(r, 100));
    }
    expect(text).toBe('hello from a tty\r\n');
  }, 30_000);

  it('a missing container is notfound', async () => {
    await expect(rt.logs('h17-logs-no-such-container', {})).rejects.toSatisfy((e) => isRuntimeError(e, 'notfound'));
  });
});
