import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { Writable } from 'node:stream';
import { ComponentRunner } from './component-runner.js';
import { exitCodeOf, loopComponent, retryingComponent, type Component, type ComponentContext } from './component.js';
import { FakeClock, flushMicrotasks } from './testing/fake-clock.js';

/** A logger whose lines the test can read. */
function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

interface Probe extends Component {
  ctx?: ComponentContext;
  readyReason?: string;
}

/** A component that records its start and stop in `log`. */
function probe(name: string, log: string[], opts: { failStart?: Error; stop?: () => Promise<void>; start?: () => Promise<void> } = {}): Probe {
  const c: Probe = {
    name,
    async start(ctx) {
      c.ctx = ctx;
      log.push(`start ${name}`);
      await opts.start?.();
      if (opts.failStart) throw opts.failStart;
    },
    async stop() {
      log.push(`stop ${name}`);
      await opts.stop?.();
    },
    ready: () => c.readyReason,
  };
  return c;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ComponentRunner', () => {
  it('starts in order and stops in reverse order', async () => {
    const log: string[] = [];
    const r = new ComponentRunner([probe('a', log), probe('b', log), probe('c', log)], { logger: recordingLogger().logger, clock: new FakeClock() });
    await r.start();
    await r.stop();
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  it('a start that fails stops what started, in reverse, and never starts the rest', async () => {
    const log: string[] = [];
    const boom = new Error('port in use');
    const r = new ComponentRunner([probe('a', log), probe('b', log), probe('c', log, { failStart: boom }), probe('d', log)], {
      logger: recordingLogger().logger,
      clock: new FakeClock(),
    });
    await expect(r.start()).rejects.toBe(boom);
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop b', 'stop a']);
    await r.stop(); // idempotent: nothing stopped twice
    expect(log).toHaveLength(5);
  });

  it('a stop that hangs is given stopTimeoutMs, logged, and the others still stop', async () => {
    const log: string[] = [];
    const clock = new FakeClock();
    const { logger, lines } = recordingLogger();
    const r = new ComponentRunner([probe('a', log), probe('stuck', log, { stop: () => new Promise(() => undefined) }), probe('c', log)], {
      logger,
      clock,
      stopTimeoutMs: 5000,
    });
    await r.start();
    let done = false;
    const stopping = r.stop().then(() => (done = true));
    await clock.advance(4999);
    expect(log).toEqual(['start a', 'start stuck', 'start c', 'stop c', 'stop stuck']);
    expect(done).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(log.at(-1)).toBe('stop a');
    expect(lines.find((l) => l.msg === 'component did not stop in time; going on without it')).toMatchObject({ component: 'stuck', timeoutMs: 5000 });
  });

  it('a stop that throws is logged with its stack and the others still stop', async () => {
    const log: string[] = [];
    const { logger, lines } = recordingLogger();
    const r = new ComponentRunner([probe('a', log), probe('b', log, { stop: async () => Promise.reject(new Error('close failed')) })], { logger, clock: new FakeClock() });
    await r.start();
    await r.stop();
    expect(log).toEqual(['start a', 'start b', 'stop b', 'stop a']);
    const line = lines.find((l) => l.msg === 'component failed to stop cleanly') as { err: { message: string; stack: string } };
    expect(line.err.message).toBe('close failed');
    expect(line.err.stack).toContain('component-runner.test.ts');
  });

  it('readiness: every component, in order; ready only when all are', async () => {
    const log: string[] = [];
    const a = probe('a', log);
    const b = probe('b', log);
    b.readyReason = 'caches not synced';
    const clock = new FakeClock();
    const { logger, lines } = recordingLogger();
    const r = new ComponentRunner([a, b], { logger, clock, readyPollMs: 100 });
    expect(await r.checks()).toEqual([
      { name: 'a', failure: 'not started' },
      { name: 'b', failure: 'not started' },
    ]);
    await r.start();
    expect(await r.checks()).toEqual([
      { name: 'a', failure: undefined },
      { name: 'b', failure: 'caches not synced' },
    ]);
    expect(await r.ready()).toBe(false);
    b.readyReason = undefined;
    expect(lines.some((l) => l.msg === 'ready')).toBe(false);
    await clock.advance(100);
    expect(await r.ready()).toBe(true);
    expect(lines.filter((l) => l.msg === 'ready')).toHaveLength(1);
    await r.stop();
    expect(await r.ready()).toBe(false);
    expect((await r.checks()).map((c) => c.failure)).toEqual(['stopped', 'stopped']);
  });

  it('run(): stops everything in reverse when the signal aborts, outcome stopped (exit 0)', async () => {
    const log: string[] = [];
    const r = new ComponentRunner([probe('a', log), probe('b', log)], { logger: recordingLogger().logger, clock: new FakeClock() });
    const ac = new AbortController();
    const run = r.run(ac.signal);
    await flushMicrotasks();
    expect(log).toEqual(['start a', 'start b']);
    ac.abort();
    expect(await run).toBe('stopped');
    expect(log).toEqual(['start a', 'start b', 'stop b', 'stop a']);
    expect(exitCodeOf('stopped')).toBe(0);
  });

  it('run(): a component that fails (e.g. lost its lease) stops everything, outcome lost-lease (exit 1)', async () => {
    const log: string[] = [];
    const b = probe('b', log);
    const r = new ComponentRunner([probe('a', log), b, probe('c', log)], { logger: recordingLogger().logger, clock: new FakeClock() });
    const run = r.run(new AbortController().signal);
    await flushMicrotasks();
    b.ctx!.fail('lost-lease', new Error('renew deadline passed'));
    expect(await run).toBe('lost-lease');
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    expect(exitCodeOf('lost-lease')).toBe(1);
  });

  it('run(): a signal during a slow start lets that start finish, starts no more, and stops what started', async () => {
    const log: string[] = [];
    const gate = deferred();
    const r = new ComponentRunner([probe('a', log), probe('slow', log, { start: () => gate.promise }), probe('c', log)], { logger: recordingLogger().logger, clock: new FakeClock() });
    const ac = new AbortController();
    const run = r.run(ac.signal);
    await flushMicrotasks();
    ac.abort();
    await flushMicrotasks();
    expect(log).toEqual(['start a', 'start slow']);
    gate.resolve();
    expect(await run).toBe('stopped');
    expect(log).toEqual(['start a', 'start slow', 'stop slow', 'stop a']);
  });

  it('run(): a start that waits (caches syncing) gives up on ctx.signal when the process stops; no error', async () => {
    const log: string[] = [];
    const { logger, lines } = recordingLogger();
    const waiting: Probe = {
      name: 'informers',
      async start(ctx) {
        log.push('start informers');
        await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
      },
      async stop() {
        log.push('stop informers');
      },
    };
    const r = new ComponentRunner([probe('a', log), waiting, probe('c', log)], { logger, clock: new FakeClock() });
    const ac = new AbortController();
    const run = r.run(ac.signal);
    await flushMicrotasks();
    ac.abort();
    expect(await run).toBe('stopped');
    expect(log).toEqual(['start a', 'start informers', 'stop a']);
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it('a start that ignores ctx.signal holds stopping up for stopTimeoutMs at most', async () => {
    const log: string[] = [];
    const clock = new FakeClock();
    const { logger, lines } = recordingLogger();
    const r = new ComponentRunner([probe('a', log), probe('deaf', log, { start: () => new Promise(() => undefined) })], { logger, clock, stopTimeoutMs: 3000 });
    void r.start();
    await flushMicrotasks();
    const stopping = r.stop();
    await clock.advance(3000);
    await stopping;
    expect(log).toEqual(['start a', 'start deaf', 'stop a']);
    expect(lines.some((l) => l.msg === 'a component start did not give up in time; stopping the others without it')).toBe(true);
  });

  it('run(): a start failure rejects after stopping what started', async () => {
    const log: string[] = [];
    const r = new ComponentRunner([probe('a', log), probe('b', log, { failStart: new Error('bad flag') })], { logger: recordingLogger().logger, clock: new FakeClock() });
    await expect(r.run(new AbortController().signal)).rejects.toThrow('bad flag');
    expect(log).toEqual(['start a', 'start b', 'stop a']);
  });

  it('refuses two components with one name', () => {
    expect(() => new ComponentRunner([probe('a', []), probe('a', [])], { logger: recordingLogger().logger })).toThrow(/two components named a/);
  });
});

describe('loopComponent', () => {
  it('stop() aborts the loop and waits for it to return', async () => {
    let ended = false;
    const c = loopComponent('loop', async (signal) => {
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      ended = true;
    });
    const fails: string[] = [];
    await c.start({ logger: recordingLogger().logger, signal: new AbortController().signal, fail: (o) => fails.push(o) });
    expect(ended).toBe(false);
    await c.stop();
    expect(ended).toBe(true);
    expect(fails).toEqual([]);
  });

  it('a loop that throws while running fails the process, with the error logged', async () => {
    const { logger, lines } = recordingLogger();
    const fails: [string, Error | undefined][] = [];
    const c = loopComponent('controllers', async () => {
      throw new Error('informer crashed');
    });
    await c.start({ logger, signal: new AbortController().signal, fail: (o, err) => fails.push([o, err]) });
    await flushMicrotasks();
    expect(fails.map(([o, e]) => [o, e?.message])).toEqual([['failed', 'informer crashed']]);
    expect(lines.find((l) => l.msg === 'component failed')).toMatchObject({ component: 'controllers', err: { message: 'informer crashed' } });
    await c.stop();
  });
});

describe('retryingComponent', () => {
  it('tries at start, then every interval until it succeeds; ready only then; stop ends the trying', async () => {
    const clock = new FakeClock();
    let calls = 0;
    let succeedFrom = 3;
    const c = retryingComponent('bootstrap', async () => ++calls >= succeedFrom, { clock, intervalMs: 2000, notReady: 'not yet' });
    await c.start({ logger: recordingLogger().logger, signal: new AbortController().signal, fail: () => undefined });
    expect([calls, c.ready?.()]).toEqual([1, 'not yet']);
    await clock.advance(2000);
    expect([calls, c.ready?.()]).toEqual([2, 'not yet']);
    await clock.advance(2000);
    expect([calls, c.ready?.()]).toEqual([3, undefined]);
    await clock.advance(10_000);
    expect(calls).toBe(3);
    await c.stop();

    calls = 0;
    succeedFrom = Infinity;
    const never = retryingComponent('identity', async () => ++calls >= succeedFrom, { clock, intervalMs: 2000, notReady: 'not yet' });
    await never.start({ logger: recordingLogger().logger, signal: new AbortController().signal, fail: () => undefined });
    await never.stop();
    await clock.advance(10_000);
    expect(calls).toBe(1);
  });
});
