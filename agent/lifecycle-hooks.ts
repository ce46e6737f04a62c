// Container lifecycle hooks (postStart, preStop) with the kubelet's semantics, run through
// the shared handlers (agent/handlers/) and never inside a reconcile worker:
//   - postStart runs right after the container started, in flight; until it finished the
//     container is not started (status waiting ContainerCreating, not ready, the next init
//     container waits). A failing postStart gets the Event FailedPostStartHook and the
//     container is stopped (purpose 'restart': restarted per restartPolicy, with backoff).
//   - preStop runs first in every stop of a running container that has one, inside the
//     grace period: the hook gets at most the grace period, docker stop the rest (at least
//     2 s for SIGTERM, as the kubelet's minimumGracePeriodInSeconds). A failing preStop gets
//     FailedPreStopHook; the stop goes on. It runs once per container, even when a second
//     deletion shortens the grace period.
// Handlers: exec (in the container), httpGet (from the node, host = pod IP by default),
// sleep (waits). tcpSocket is refused by validation (the kubelet ignores it).

import type { Container, LifecycleHandler } from '../api/types.js';
import type { Clock } from '../foundation/clock.js';
import { execInContainer } from './handlers/exec-in-container.js';
import type { HandlerResult } from './handlers/handler-result.js';
import { httpGet } from './handlers/http-get.js';
import { resolvePort } from './handlers/resolve-port.js';
import type { ContainerRuntime } from './runtime/types.js';

/** The kubelet gives SIGTERM at least this long after a preStop hook. */
export const MIN_GRACE_AFTER_PRESTOP_SECONDS = 2;
/** A postStart hook has no timeout in the kubelet; orch bounds an exec one at this. */
export const POST_START_TIMEOUT_MS = 10 * 60_000;

export interface HookTarget {
  runtime: Pick<ContainerRuntime, 'exec'>;
  clock: Pick<Clock, 'sleep'>;
  containerId: string;
  container: Container;
  /** Default host of httpGet handlers: the pod IP. */
  podIP?: string;
}

/** Runs one handler; never throws. */
export async function runHandler(h: LifecycleHandler, t: HookTarget, timeoutMs: number): Promise<HandlerResult> {
  if (h.exec) return execInContainer(t.runtime, t.containerId, h.exec.command ?? [], timeoutMs);
  if (h.httpGet) {
    const port = resolvePort(h.httpGet.port, t.container);
    if (port instanceof Error) return { ok: false, message: port.message };
    const host = h.httpGet.host || t.podIP;
    if (!host) return { ok: false, message: 'the pod has no IP yet' };
    return httpGet({ scheme: h.httpGet.scheme ?? 'HTTP', host, port, path: h.httpGet.path || '/', headers: h.httpGet.httpHeaders }, timeoutMs);
  }
  if (h.sleep) {
    await t.clock.sleep(Math.min(h.sleep.seconds * 1000, timeoutMs));
    return { ok: true, message: '' };
  }
  return { ok: false, message: 'no supported handler (exec, httpGet or sleep)' };
}

/** The kubelet's log wording of a failed hook ("Exec lifecycle hook ([cmd]) for Container ... failed - error: ..."). */
export function hookFailure(h: LifecycleHandler, container: string, pod: string, r: HandlerResult): string {
  if (h.exec) return `Exec lifecycle hook ([${(h.exec.command ?? []).join(' ')}]) for Container "${container}" in Pod "${pod}" failed - error: ${r.message}`;
  if (h.httpGet) return `HTTP lifecycle hook (${h.httpGet.path ?? '/'}) for Container "${container}" in Pod "${pod}" failed - error: ${r.message}`;
  if (h.sleep) return `Sleep lifecycle hook (${h.sleep.seconds}) for Container "${container}" in Pod "${pod}" failed - error: ${r.message}`;
  return `lifecycle hook for Container "${container}" in Pod "${pod}" failed - error: ${r.message}`;
}

/** What the agent remembers about hooks (in memory, as the kubelet: an agent restart does not re-run them). */
export class LifecycleHooks {
  /** postStart hooks in flight: container id → pod uid. */
  private readonly postStarts = new Map<string, string>();
  /** Containers whose preStop ran or runs: container id → pod uid. */
  private readonly preStops = new Map<string, string>();

  postStartRunning(id: string): boolean {
    return this.postStarts.has(id);
  }

  /** Runs `run` as the postStart of container `id`; the returned promise settles when it (and what follows it) ended. */
  postStart(uid: string, id: string, run: () => Promise<void>): Promise<void> {
    this.postStarts.set(id, uid);
    const done = run().finally(() => this.postStarts.delete(id));
    done.catch(() => undefined);
    return done;
  }

  /** True the first time it is asked for a container: its preStop runs then, never twice. */
  claimPreStop(uid: string, id: string): boolean {
    if (this.preStops.has(id)) return false;
    this.preStops.set(id, uid);
    return true;
  }

  /** The pod's containers are gone. */
  forget(uid: string): void {
    for (const m of [this.postStarts, this.preStops]) for (const [id, u] of m) if (u === uid) m.delete(id);
  }

  uids(): Set<string> {
    return new Set([...this.postStarts.values(), ...this.preStops.values()]);
  }
}

/**
 * A stop with the container's preStop first: the hook gets at most the grace period (it
 * may go on running inside the container after that, as in the kubelet), docker stop the
 * seconds left (whole seconds, truncated like the kubelet's), at least 2.
 */
export async function stopWithPreStop(x: {
  hook: LifecycleHandler | undefined;
  target: HookTarget;
  graceSeconds: number;
  clock: Pick<Clock, 'now' | 'sleep'>;
  onFailure(r: HandlerResult): void;
  stop(graceSeconds: number): Promise<void>;
}): Promise<void> {
  let grace = x.graceSeconds;
  if (x.hook && grace > 0) {
    const t0 = x.clock.now();
    const r = await runHandler(x.hook, x.target, grace * 1000);
    if (!r.ok) x.onFailure(r);
    grace = Math.max(MIN_GRACE_AFTER_PRESTOP_SECONDS, grace - Math.floor((x.clock.now() - t0) / 1000));
  }
  await x.stop(grace);
}
