// Image pulls run in the background, one per image, so a slow or failing pull never
// holds a sync worker or another pod. The pod sync asks `check()`; while a pull runs, the
// answer carries it (`pulling`), and the pod's reconcile returns "look again when it ends"
// (client/reconcile-loop.ts): the puller itself enqueues nothing.

import type { Container } from '../api/types.js';
import { backoffDelay } from '../foundation/backoff.js';
import type { Clock } from '../foundation/clock.js';
import type { ContainerRuntime } from './runtime/types.js';

export type ImageCheck =
  | { ok: true }
  | {
      ok: false;
      reason: string;
      message?: string;
      /** The next pull may start this much later (failed pull, backing off). */
      retryAfterMs?: number;
      /** The pull running now; settles (never rejects) when it ends. */
      pulling?: Promise<void>;
    };

interface PullState {
  /** The running pull, until it ends. */
  inFlight?: Promise<void>;
  error?: string;
  failedAt?: number;
  /** Pods already told ErrImagePull for this failure; later reports say ImagePullBackOff. */
  reportedTo: Set<string>;
  succeeded?: boolean;
  /** Consecutive failed pulls of this image (drives the backoff). */
  failures: number;
}

/** Kubernetes' default: Always for :latest or untagged images, IfNotPresent otherwise. */
export function effectivePullPolicy(c: Container): 'Always' | 'IfNotPresent' | 'Never' {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const ref = c.image.includes('@') ? '' : c.image.slice(c.image.lastIndexOf('/') + 1);
  if (c.image.includes('@')) return 'IfNotPresent';
  const tag = ref.includes(':') ? ref.slice(ref.indexOf(':') + 1) : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** How long a positive image inspect is trusted (IfNotPresent / Never). */
export const PRESENT_TTL_MS = 10_000;

export class ImagePuller {
  private readonly pulls = new Map<string, PullState>();
  /** image ref → when an inspect last found it present (bounded by the images pods use). */
  private readonly presentAt = new Map<string, number>();
  /** image ref → the inspect in flight. */
  private readonly inspecting = new Map<string, Promise<boolean>>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly clock: Clock,
    private readonly timeoutMs = 5 * 60_000,
    /** Retry delay after the first failed pull, doubling per failure up to maxBackoffMs. */
    private readonly initialBackoffMs = 2000,
    private readonly maxBackoffMs = 60_000,
  ) {}

  /** Drops a cached "present" answer (a create just failed with no such image). */
  forget(image: string): void {
    this.presentAt.delete(image);
  }

  /**
   * Whether the image is present: one inspect per image at a time, whatever the number of
   * pods asking (30 new pods of one image ask at once, before any answer is cached).
   */
  private inspect(image: string): Promise<boolean> {
    let p = this.inspecting.get(image);
    if (!p) {
      p = this.runtime.inspectImage(image).then(
        (info) => {
          if (info) this.presentAt.set(image, this.clock.now());
          else this.presentAt.delete(image);
          return !!info;
        },
      ).finally(() => this.inspecting.delete(image));
      this.inspecting.set(image, p);
    }
    return p;
  }

  private delay(failures: number): number {
    return backoffDelay({ initialMs: this.initialBackoffMs, maxMs: this.maxBackoffMs }, Math.max(1, failures));
  }

  /** Whether the container's image is ready to use; otherwise why the container waits. */
  async check(c: Container, podKey: string): Promise<ImageCheck> {
    const policy = effectivePullPolicy(c);
    // A restart after `docker kill` should not wait for an image inspect that was answered
    // a moment ago: a positive answer is trusted for PRESENT_TTL_MS (a create with an image
    // removed meanwhile fails and the reconcile is retried, after the entry expired).
    const seen = this.presentAt.get(c.image);
    if (policy !== 'Always' && seen !== undefined && this.clock.now() - seen < PRESENT_TTL_MS) return { ok: true };
    const present = await this.inspect(c.image);
    if (policy === 'Never') {
      return present
        ? { ok: true }
        : { ok: false, reason: 'ErrImageNeverPull', message: `Container image "${c.image}" is not present with pull policy of Never` };
    }
    if (policy === 'IfNotPresent' && present) return { ok: true };
    const st = this.pulls.get(c.image);
    if (st?.inFlight) return { ok: false, reason: 'ContainerCreating', message: `pulling image "${c.image}"`, pulling: st.inFlight };
    if (st?.succeeded) {
      // A pull for this start succeeded (Always pulls once per container start).
      this.pulls.delete(c.image);
      return { ok: true };
    }
    if (st?.error !== undefined && st.failedAt !== undefined) {
      const wait = st.failedAt + this.delay(st.failures) - this.clock.now();
      if (wait > 0) {
        const reason = st.reportedTo.has(podKey) ? 'ImagePullBackOff' : 'ErrImagePull';
        st.reportedTo.add(podKey);
        const message = reason === 'ErrImagePull' ? st.error : `Back-off pulling image "${c.image}": ${st.error}`;
        return { ok: false, reason, message, retryAfterMs: wait };
      }
    }
    const pulling = this.startPull(c.image, st);
    return { ok: false, reason: 'ContainerCreating', message: `pulling image "${c.image}"`, pulling };
  }

  private startPull(image: string, prev?: PullState): Promise<void> {
    const st: PullState = { failures: prev?.failures ?? 0, reportedTo: new Set() };
    this.pulls.set(image, st);
    st.inFlight = this.runtime.pullImage(image, this.timeoutMs).then(
      () => {
        st.succeeded = true;
        st.failures = 0;
        st.inFlight = undefined;
      },
      (err: Error) => {
        st.error = `failed to pull image "${image}": ${err.message}`;
        st.failedAt = this.clock.now();
        st.failures++;
        st.inFlight = undefined;
      },
    );
    return st.inFlight;
  }
}
