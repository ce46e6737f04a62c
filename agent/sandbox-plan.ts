// The "ensure sandbox" step of a pod's plan (pod-plan.ts), pure like the rest of it. Every
// pod without hostNetwork gets a sandbox first: a pause container that holds the pod's
// network namespace (its IP, its published hostPorts, its hostname) and does nothing else,
// so that app containers can come and go without the pod losing its IP. App containers
// join it (NetworkMode container:<sandbox id>). As the kubelet does, a sandbox that died is
// not restarted but replaced by a new attempt ("SandboxChanged"), and the app containers
// left in the dead namespace are stopped and started again in the new one.
//
// hostNetwork pods have no sandbox: the host's namespace exists without anyone holding
// it, so a pause container would only cost a container per pod; their containers run with
// NetworkMode host, and the pod IP is the node IP.

import { SANDBOX_CONTAINER, attemptOf } from './labels.js';
import type { PodNetworkState } from './network/pod-network-state.js';
import type { Action } from './pod-plan.js';
import type { ContainerObservation } from './pod-status.js';
import type { ContainerInfo } from './runtime/types.js';

/** Where the pod's containers find their network after this pass's actions. */
export type PodNet =
  /** Containers run with this NetworkMode: 'container:<sandbox id>' or 'host'. */
  | { state: 'running'; mode: string }
  /**
   * A sandbox is started in this pass: new containers join it, running ones are in a stale
   * namespace. id: the created sandbox being started (undefined: one is created this pass).
   */
  | { state: 'starting'; id?: string }
  /** No sandbox to join this pass: new containers wait with this reason. */
  | { state: 'unavailable'; waiting: NonNullable<ContainerObservation['waiting']> };

export interface SandboxFacts {
  /** Every attempt of the pod's sandbox, newest first. */
  sandboxes: ContainerInfo[];
  /** Every app container of the pod (any state). */
  apps: ContainerInfo[];
  hostNetwork: boolean;
  /** The node's pod network; undefined: Docker's default bridge. */
  network?: PodNetworkState;
  /** The pod reached Succeeded/Failed: nothing starts again. */
  terminal: boolean;
  now: number;
  stopping: ReadonlyMap<string, number>;
  grace: number;
  /** Restart backoff for a sandbox that keeps dying (same memory as containers). */
  delayMs(exitedId: string, ranForMs: number): number;
  /** Sandbox attempts no longer kept are removed when nothing runs in their namespace. */
  isFinished(c: ContainerInfo): boolean;
}

export interface SandboxPlan {
  net: PodNet;
  /** The sandbox the status reads the pod IP from (newest attempt), if any. */
  current?: ContainerInfo;
  /** Sandbox containers to keep (the rest are removed by the caller's sweep). */
  keep: string[];
  actions: Action[];
}

const S = SANDBOX_CONTAINER;

function ms(t: string | undefined): number | undefined {
  return t ? Date.parse(t) : undefined;
}

export function planSandbox(f: SandboxFacts): SandboxPlan {
  if (f.hostNetwork) return { net: { state: 'running', mode: 'host' }, keep: [], actions: [] };
  const cur = f.sandboxes[0];
  // An older sandbox stays while an app container still runs in its namespace (it is being
  // stopped); removing it earlier would not free anything.
  const inUse = (s: ContainerInfo) => f.apps.some((a) => a.state === 'running' && a.networkMode === `container:${s.id}`);
  const keep = f.sandboxes.filter((s, i) => i === 0 || inUse(s)).map((s) => s.id);
  const done = (net: PodNet, actions: Action[] = []): SandboxPlan => ({ net, current: cur, keep, actions });
  const waiting = (reason: string, message: string): PodNet => ({ state: 'unavailable', waiting: { reason, message } });

  if (f.terminal) {
    // A finished pod gives its address back once its last container ended (as the kubelet stops the sandbox).
    const appsRun = f.apps.some((a) => a.state === 'running');
    const stop: Action[] = cur?.state === 'running' && !appsRun && !f.stopping.has(cur.id) ? [{ type: 'stop', container: S, id: cur.id, graceSeconds: f.grace, purpose: 'replace', why: 'pod finished' }] : [];
    return done(waiting('ContainerCreating', 'pod has finished'), stop);
  }
  if (cur && f.stopping.has(cur.id)) return done(waiting('ContainerCreating', 'pod sandbox is being stopped'), [{ type: 'await-stop', container: S, id: cur.id }]);
  // A paused sandbox still holds the namespace (`docker unpause` brings it back as it was).
  if (cur?.state === 'running' || cur?.state === 'paused') return done({ state: 'running', mode: `container:${cur.id}` });
  if (cur?.state === 'created' && !cur.error) return done({ state: 'starting', id: cur.id }, [{ type: 'start-sandbox', container: S, id: cur.id }]);
  if (cur && !f.isFinished(cur)) return done(waiting('ContainerCreating', `pod sandbox is ${cur.state}`)); // Docker is at it

  // No sandbox, or it ended: a new attempt, once the pod network is ready.
  if (f.network && !f.network.ready) return done(waiting('NetworkNotReady', `network is not ready: ${f.network.reason}`));
  if (cur) {
    const exitAt = ms(cur.finishedAt) ?? ms(cur.createdAt) ?? 0;
    const delay = f.delayMs(cur.id, exitAt - (ms(cur.startedAt) ?? exitAt));
    const wait = Math.max(0, exitAt + delay - f.now);
    if (wait > 0) {
      const why = cur.error ? `failed to start: ${cur.error}` : `exited with code ${cur.exitCode ?? 0}`;
      return done(waiting('ContainerCreating', `pod sandbox ${why}; back-off ${Math.ceil(delay / 1000)}s before re-creating it`), [{ type: 'back-off', container: S, waitMs: wait }]);
    }
  }
  const attempt = cur ? Math.max(0, attemptOf(cur.labels)) + 1 : 0;
  return done({ state: 'starting' }, [
    { type: 'pull-image', container: S },
    // Volumes before the sandbox, as the kubelet mounts them before creating it: a pod whose
    // volumes cannot be written (hostPath not allowed, missing ConfigMap) gets no sandbox.
    { type: 'write-volumes', container: S },
    { type: 'create-sandbox', container: S, attempt, changed: !!cur },
    { type: 'start-sandbox', container: S },
  ]);
}
