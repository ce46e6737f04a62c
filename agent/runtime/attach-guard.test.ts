import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardAttach } from './attach-guard.js';
import { isRuntimeError } from './types.js';

/** A container that stops when `stop()` is called; `aborted` says whether the wait was given up. */
function fakeContainer(running: boolean) {
  let stop!: () => void;
  const waited = new Promise<void>((r) => (stop = r));
  const c = {
    aborted: false,
    stop,
    state: async () => ({ running, status: running ? 'running' : 'exited' }),
    stopped: (signal: AbortSignal) =>
      new Promise<unknown>((resolve, reject) => {
        signal.addEventListener('abort', () => ((c.aborted = true), reject(new Error('aborted'))));
        void waited.then(resolve);
      }),
  };
  return c;
}
const closed = (s: PassThrough) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));

describe('guardAttach', () => {
  it('refuses a container that is not running and closes the attach', async () => {
    const raw = new PassThrough();
    await expect(guardAttach(raw, fakeContainer(false))).rejects.toSatisfy((e) => isRuntimeError(e, 'conflict') && /not running \(exited\)/.test((e as Error).message));
    expect(raw.destroyed).toBe(true);
  });

  it('refuses a container that is gone', async () => {
    const raw = new PassThrough();
    const gone = { state: async () => Promise.reject(new Error('no such container')), stopped: async () => undefined };
    await expect(guardAttach(raw, gone)).rejects.toThrow(/not running \(removed\)/);
  });

  it('closes a stream the engine left open once the container stopped and the grace passed', async () => {
    const raw = new PassThrough();
    const c = fakeContainer(true);
    await guardAttach(raw, c, 50);
    expect(raw.destroyed).toBe(false);
    const t0 = Date.now();
    c.stop();
    await closed(raw);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
  });

  it('gives up waiting for the container when the stream closed first', async () => {
    const raw = new PassThrough();
    const c = fakeContainer(true);
    await guardAttach(raw, c, 50);
    const closing = new Promise<void>((r) => raw.once('close', () => r()));
    raw.destroy();
    await closing;
    expect(c.aborted).toBe(true);
  });
});
