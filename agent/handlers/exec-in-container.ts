// exec handler (probes and lifecycle hooks): run the command in the container; exit code 0 is
// success. The output becomes the message either way (kubelet puts it in the Event). A timed
// out command is a failure; as in the kubelet it may go on running inside the container.

import type { ContainerRuntime } from '../runtime/types.js';
import type { HandlerResult } from './handler-result.js';

export async function execInContainer(runtime: Pick<ContainerRuntime, 'exec'>, containerId: string, command: string[], timeoutMs: number): Promise<HandlerResult> {
  try {
    const r = await runtime.exec(containerId, command, { timeoutMs });
    if (r.timedOut) return { ok: false, message: `command ${JSON.stringify(command.join(' '))} timed out` };
    if (r.exitCode === 0) return { ok: true, message: r.output };
    return { ok: false, message: r.output || `command ${JSON.stringify(command.join(' '))} exited with ${r.exitCode}` };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}
