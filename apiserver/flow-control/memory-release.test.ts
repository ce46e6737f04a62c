import { describe, expect, test } from 'vitest';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { fullGc, MemoryRelease } from './memory-release.js';

describe('MemoryRelease', () => {
  test('two collections after a burst of drops past the threshold, then nothing more until the interval has passed', async () => {
    const clock = new FakeClock();
    let collections = 0;
    const r = new MemoryRelease(() => collections++, clock, { thresholdBytes: 100, delayMs: 1000, minIntervalMs: 10_000 });
    r.noteDropped(60);
    await clock.advance(5000);
    expect(collections).toBe(0);
    r.noteDropped(60);
    r.noteDropped(500);
    await clock.advance(999);
    expect(collections).toBe(0);
    await clock.advance(1);
    expect(collections).toBe(1);
    // Drops while the pair runs start nothing new.
    r.noteDropped(500);
    await clock.advance(1000);
    expect(collections).toBe(2);
    // The next burst waits for the interval since the last collection (at t=7000).
    r.noteDropped(200);
    await clock.advance(9999);
    expect(collections).toBe(2);
    await clock.advance(1);
    expect(collections).toBe(3);
    await clock.advance(1000);
    expect(collections).toBe(4);
    r.noteDropped(200);
    r.stop();
    await clock.advance(60_000);
    expect(collections).toBe(4);
  });

  test('fullGc runs a real collection (garbage held only by a WeakRef is gone)', async () => {
    let big: object | undefined = { data: new Array(1000).fill('x') };
    const ref = new WeakRef(big);
    big = undefined;
    // A WeakRef keeps its target for the rest of the job that made it.
    await new Promise((r) => setTimeout(r, 0));
    fullGc();
    expect(ref.deref()).toBeUndefined();
  });
});
