// Keeps an attach to a container's process from outliving the process. Docker answers an
// attach to a stopped container and then holds it until the container's next start, which
// for a pod's container that has exited never comes: `kubectl run -i` of a command that
// ends at once (`-- sh -c 'echo hi'`) saw the pod Running, attached after the process had
// exited, and waited forever. The kubelet's runtime refuses such an attach ("container is
// in CONTAINER_EXITED state"), and kubectl then shows the logs instead. So:
// - right after the attach, a container that is not running is refused (the caller closes
//   the connection; the logs hold everything it printed);
// - Docker answers the attach before it registers the streams, so a container that stops in
//   that gap is not seen by the check and Docker never ends the stream: once the container
//   stops, the stream gets `graceMs` to end by itself (it does when Docker had registered
//   it: then everything was delivered), and is closed after that.
// Pure over two calls (docker-runtime.ts passes them), so the engine stays there.

import type { Duplex } from 'node:stream';
import { RuntimeError } from './types.js';

export interface AttachedContainer {
  /** The container's state now; undefined if it is gone. */
  state(): Promise<{ running: boolean; status: string } | undefined>;
  /** Resolves (or rejects) once the container is not running; aborted when the stream closes first. */
  stopped(signal: AbortSignal): Promise<unknown>;
}

export const ATTACH_END_GRACE_MS = 2000;

export async function guardAttach(raw: Duplex, c: AttachedContainer, graceMs = ATTACH_END_GRACE_MS): Promise<void> {
  const state = await c.state().catch(() => undefined);
  if (!state?.running) {
    raw.destroy();
    throw new RuntimeError('conflict', `container is not running (${state?.status ?? 'removed'})`);
  }
  const ac = new AbortController();
  let closed = false;
  raw.once('close', () => {
    closed = true;
    ac.abort();
  });
  const endSoon = () => {
    if (closed) return;
    setTimeout(() => raw.destroy(), graceMs).unref();
  };
  c.stopped(ac.signal).then(endSoon, endSoon);
}
