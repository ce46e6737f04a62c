import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { ReadinessEvents, REPEAT_MS } from './readiness-events.js';

describe('ReadinessEvents', () => {
  it('one Event per container per REPEAT_MS', async () => {
    const clock = new FakeClock();
    const ev = new ReadinessEvents(clock);
    expect(ev.allow('a')).toBe(true);
    await clock.advance(REPEAT_MS - 1);
    expect(ev.allow('a')).toBe(false);
    await clock.advance(1);
    expect(ev.allow('a')).toBe(true);
  });

  it('100 containers failing at once: a burst of 20, then 5 per second for the node', async () => {
    const clock = new FakeClock();
    const ev = new ReadinessEvents(clock);
    const ids = Array.from({ length: 100 }, (_, i) => `c${i}`);
    expect(ids.filter((id) => ev.allow(id))).toHaveLength(20);
    await clock.advance(1000);
    expect(ids.filter((id) => ev.allow(id))).toHaveLength(5);
  });
});
