// One probe of one container attempt, on its own timer (kubelet's prober worker): the first
// run comes initialDelaySeconds plus a random part of the period after the worker starts, so
// the probes of a node never run in lockstep; then one run every periodSeconds (measured
// start to start; a run longer than the period is followed at once by the next). A slow or
// hanging handler delays only this worker: every handler enforces timeoutSeconds.
//
// Results follow the thresholds: `successThreshold` consecutive successes make the result
// success, `failureThreshold` consecutive failures make it failure. Until the first verdict
// a readiness probe counts as failed (not ready), a liveness probe as succeeded (alive) and a
// startup probe as unknown (not started). A startup probe stops after its first success;
// liveness and startup probes stop once they failed (the container is killed; its next
// attempt gets new workers). While `gate()` says no (the startup probe has not succeeded),
// runs are skipped and the result stays as it is.

import type { Clock } from '../../foundation/clock.js';
import type { HandlerResult } from '../handlers/handler-result.js';
import type { ProbeKind, ProbeSettings } from './probe-settings.js';

export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ProbeWorkerOptions {
  kind: ProbeKind;
  settings: ProbeSettings;
  clock: Clock;
  /** [0, 1): where in the first period the first run falls. */
  random: () => number;
  run(timeoutMs: number): Promise<HandlerResult>;
  /** May the probe run now? (liveness/readiness: only after the startup probe succeeded). */
  gate?: () => boolean;
  /** After every run: its outcome and whether the result changed. */
  onRun(w: ProbeWorker, r: HandlerResult, changed: boolean): void;
  /** The result before the first run, when known from before an agent restart (default: INITIAL). */
  initial?: ProbeResult;
}

const INITIAL: Record<ProbeKind, ProbeResult> = { readiness: 'failure', liveness: 'success', startup: 'unknown' };

export class ProbeWorker {
  result: ProbeResult;
  /** The last run's message (the kubelet's wording). */
  message = '';
  private successes = 0;
  private failures = 0;
  private readonly ac = new AbortController();
  private loop?: Promise<void>;

  constructor(private readonly o: ProbeWorkerOptions) {
    this.result = o.initial ?? INITIAL[o.kind];
  }

  get kind(): ProbeKind {
    return this.o.kind;
  }

  start(): void {
    this.loop ??= this.run().catch(() => undefined);
  }

  /** Stops the timer; a run in flight finishes but its result is dropped. */
  stop(): void {
    this.ac.abort();
  }

  /** Resolves when the loop ended (after stop(), or once it stopped on its own). */
  done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  get stopped(): boolean {
    return this.ac.signal.aborted;
  }

  private async run(): Promise<void> {
    const { settings: s, clock } = this.o;
    const signal = this.ac.signal;
    let next = clock.now() + s.initialDelayMs + Math.floor(this.o.random() * s.periodMs);
    for (;;) {
      await clock.sleep(Math.max(0, next - clock.now()), signal);
      if (signal.aborted) return;
      const startedAt = clock.now();
      if (this.o.gate?.() ?? true) {
        const r = await this.o.run(s.timeoutMs);
        if (signal.aborted) return;
        const changed = this.apply(r.ok);
        this.message = r.message;
        this.o.onRun(this, r, changed);
        if (this.finished()) return this.ac.abort();
      }
      next = Math.max(startedAt + s.periodMs, clock.now());
    }
  }

  /** Counts the outcome against the thresholds; true when the result changed. */
  private apply(ok: boolean): boolean {
    const s = this.o.settings;
    const before = this.result;
    if (ok) {
      this.failures = 0;
      if (++this.successes >= s.successThreshold) this.result = 'success';
    } else {
      this.successes = 0;
      if (++this.failures >= s.failureThreshold) this.result = 'failure';
    }
    return this.result !== before;
  }

  private finished(): boolean {
    if (this.o.kind === 'startup') return this.result !== 'unknown';
    return this.o.kind === 'liveness' && this.result === 'failure';
  }
}
