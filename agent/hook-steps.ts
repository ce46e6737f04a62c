// The executor's two hook steps (pod-executor.ts calls them from its start and stop), with
// the hook rules of lifecycle-hooks.ts: both return work that runs in flight, never inside
// a reconcile worker.

import type { Container, Pod } from '../api/types.js';
import type { Logger } from '../foundation/logger.js';
import type { HandlerResult } from './handlers/handler-result.js';
import { hookFailure, POST_START_TIMEOUT_MS, runHandler, stopWithPreStop, type HookTarget } from './lifecycle-hooks.js';
import type { PodExecutorDeps } from './pod-executor.js';
import type { Action } from './pod-plan.js';

export interface HookContext {
  d: Pick<PodExecutorDeps, 'runtime' | 'clock' | 'memory'>;
  pod: Pod;
  uid: string;
  podIP?: string;
  log: Logger;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** kubelet's format.Pod: name_namespace(uid). */
const podRef = (x: HookContext) => `${x.pod.metadata.name}_${x.pod.metadata.namespace ?? 'default'}(${x.uid})`;

function specOf(pod: Pod, name: string): Container | undefined {
  return [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === name);
}

function target(x: HookContext, container: Container, containerId: string): HookTarget {
  return { runtime: x.d.runtime, clock: x.d.clock, containerId, container, podIP: x.podIP };
}

/** The stop of action `a` as in-flight work: the container's preStop (once), then docker stop with the grace left. */
export function preStopStop(x: HookContext, a: Extract<Action, { type: 'stop' }>): () => Promise<void> {
  const spec = specOf(x.pod, a.container);
  const hook = spec?.lifecycle?.preStop;
  const runs = !!spec && !!hook && x.d.memory.hooks.claimPreStop(x.uid, a.id);
  return () =>
    stopWithPreStop({
      hook: runs ? hook : undefined,
      target: target(x, spec!, a.id),
      graceSeconds: a.graceSeconds,
      clock: x.d.clock,
      onFailure: (r: HandlerResult) => {
        x.log.warn({ container: a.container, message: hookFailure(hook!, a.container, podRef(x), r) }, 'preStop hook failed');
        // The kubelet keeps the handler's output out of the Event (it may carry secrets).
        x.event('Warning', 'FailedPreStopHook', 'PreStopHook failed');
      },
      stop: (grace) => x.d.runtime.stop(a.id, grace),
    });
}

/**
 * Starts the container's postStart hook in flight, if it has one. On failure: Event
 * FailedPostStartHook and the container is stopped, preStop first (purpose 'restart': it
 * comes back per restartPolicy, with backoff). The promise settles when all that ended.
 */
export function postStartThenMaybeStop(x: HookContext, container: Container, id: string): Promise<void> | undefined {
  const hook = container.lifecycle?.postStart;
  if (!hook) return undefined;
  const grace = x.pod.spec.terminationGracePeriodSeconds ?? 30;
  return x.d.memory.hooks.postStart(x.uid, id, async () => {
    const r = await runHandler(hook, target(x, container, id), POST_START_TIMEOUT_MS);
    // A hook cut short because the container is being stopped anyway is no failure of its own.
    if (r.ok || x.d.memory.operations.inFlight(id) || x.d.memory.terminating.has(x.uid)) return;
    x.log.warn({ container: container.name, message: hookFailure(hook, container.name, podRef(x), r) }, 'postStart hook failed');
    x.event('Warning', 'FailedPostStartHook', 'PostStartHook failed');
    // The kubelet kills it as any container: its preStop (if any) first.
    const stop = preStopStop(x, { type: 'stop', container: container.name, id, graceSeconds: grace, purpose: 'restart', why: 'postStart hook failed' });
    await x.d.memory.operations.stop(x.uid, id, x.d.clock.now() + grace * 1000, 'restart', stop);
  });
}
