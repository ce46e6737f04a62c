// ProbeWorker on a fake clock: first run spread over the period after the initial delay,
// then every period; thresholds; a hanging run delays only its own worker; gating.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import type { HandlerResult } from '../handlers/handler-result.js';
import { probeSettings, type ProbeKind } from './probe-settings.js';
import { ProbeWorker } from './probe-worker.js';

function worker(clock: FakeClock, o: { kind?: ProbeKind; random?: number; probe?: Parameters<typeof probeSettings>[0]; run?: (timeoutMs: number) => Promise<HandlerResult>; gate?: () => boolean }) {
  const runs: number[] = [];
  const changes: string[] = [];
  const w = new ProbeWorker({
    kind: o.kind ?? 'readiness',
    settings: probeSettings(o.probe ?? { exec: { command: ['true'] } }),
    clock,
    random: () => o.random ?? 0,
    run: async (t) => {
      runs.push(clock.now() - start);
      return o.run ? o.run(t) : { ok: true, message: '' };
    },
    gate: o.gate,
    onRun: (wk, _r, changed) => changed && changes.push(`${(clock.now() - start) / 1000}:${wk.result}`),
  });
  const start = clock.now();
  w.start();
  return { w, runs, changes };
}

describe('ProbeWorker', () => {
  it('defaults: first run within the first period (random part), then every 10 s', async () => {
    const clock = new FakeClock();
    const { w, runs } = worker(clock, { random: 0.25 });
    await clock.advance(35_000);
    expect(runs).toEqual([2500, 12_500, 22_500, 32_500]);
    w.stop();
    await w.done();
  });

  it('initialDelaySeconds plus the random offset; different offsets never run in lockstep', async () => {
    const clock = new FakeClock();
    const probe = { exec: { command: ['x'] }, initialDelaySeconds: 5, periodSeconds: 2 };
    const a = worker(clock, { random: 0, probe });
    const b = worker(clock, { random: 0.5, probe });
    await clock.advance(10_000);
    expect(a.runs).toEqual([5000, 7000, 9000]);
    expect(b.runs).toEqual([6000, 8000, 10_000]);
    a.w.stop();
    b.w.stop();
  });

  it('readiness: not ready until successThreshold successes, unready after failureThreshold failures', async () => {
    const clock = new FakeClock();
    const answers = [true, true, false, false, true, false, false, false, true, true];
    const { w, changes } = worker(clock, { probe: { exec: { command: ['x'] }, periodSeconds: 1, successThreshold: 2, failureThreshold: 3 }, run: async () => ({ ok: answers.shift() ?? true, message: '' }) });
    expect(w.result).toBe('failure');
    await clock.advance(9_500);
    expect(changes).toEqual(['1:success', '7:failure', '9:success']);
    w.stop();
  });

  it('liveness stays alive until failureThreshold failures, then stops probing', async () => {
    const clock = new FakeClock();
    const { w, runs, changes } = worker(clock, { kind: 'liveness', probe: { exec: { command: ['x'] }, periodSeconds: 1 }, run: async () => ({ ok: false, message: 'boom' }) });
    expect(w.result).toBe('success');
    await clock.advance(10_000);
    expect(changes).toEqual(['2:failure']);
    expect(runs).toEqual([0, 1000, 2000]);
    expect(w.stopped).toBe(true);
    expect(w.message).toBe('boom');
  });

  it('a run that hangs until its timeout delays only its own worker; the next run follows at once', async () => {
    const clock = new FakeClock();
    const probe = { exec: { command: ['sleep', '30'] }, periodSeconds: 1, timeoutSeconds: 3 };
    const slow = worker(clock, { probe, run: async (t) => (await clock.sleep(t), { ok: false, message: 'timed out' }) });
    const fast = worker(clock, { probe: { exec: { command: ['true'] }, periodSeconds: 1 }, random: 0.5 });
    await clock.advance(10_000);
    expect(slow.runs).toEqual([0, 3000, 6000, 9000]);
    expect(fast.runs).toEqual([500, 1500, 2500, 3500, 4500, 5500, 6500, 7500, 8500, 9500]);
    slow.w.stop();
    fast.w.stop();
  });

  it('skips runs while gated, then probes on its own rhythm', async () => {
    const clock = new FakeClock();
    let open = false;
    const { w, runs } = worker(clock, { probe: { exec: { command: ['x'] }, periodSeconds: 1 }, gate: () => open });
    await clock.advance(3_500);
    expect(runs).toEqual([]);
    open = true;
    await clock.advance(2_000);
    expect(runs).toEqual([4000, 5000]);
    w.stop();
  });

  it('a startup probe stops after its first success', async () => {
    const clock = new FakeClock();
    const answers = [false, false, true];
    const { w, runs } = worker(clock, { kind: 'startup', probe: { exec: { command: ['x'] }, periodSeconds: 1, failureThreshold: 5 }, run: async () => ({ ok: answers.shift() ?? true, message: '' }) });
    expect(w.result).toBe('unknown');
    await clock.advance(10_000);
    expect(runs).toEqual([0, 1000, 2000]);
    expect(w.result).toBe('success');
    expect(w.stopped).toBe(true);
  });
});
