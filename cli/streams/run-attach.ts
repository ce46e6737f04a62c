// The attach half of `orch run -i/-t/--attach/--rm` (cli/commands/run.ts creates the pod;
// this is the `RunAttach` it plugs in), as kubectl run does it: the container gets stdin
// (stdinOnce) and a tty from the flags; after the create, wait until the pod runs, attach
// — or print its logs when it has already finished —, delete it with --rm, and leave with
// the container's exit code when the pod does not restart.

import type { Pod } from '../../api/types.js';
import type { CliContext } from '../context.js';
import { runPodSession } from './pod-session.js';

export interface RunAttachFlags {
  stdin?: boolean;
  tty?: boolean;
  attach?: boolean;
  rm?: boolean;
  restart?: string;
}

const POLL_MS = 200;
const POD_TIMEOUT_MS = 5 * 60_000;

const finished = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

async function waitPod(ctx: CliContext, pod: Pod, done: (p: Pod) => boolean): Promise<Pod> {
  const deadline = Date.now() + POD_TIMEOUT_MS;
  for (;;) {
    const cur = await ctx.client.pods.get(pod.metadata.name!, pod.metadata.namespace ?? ctx.namespace);
    if (done(cur)) return cur;
    if (Date.now() > deadline) throw new Error(`timed out waiting for pod ${pod.metadata.name} to start`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function printLogs(ctx: CliContext, pod: Pod): Promise<void> {
  const stream = await ctx.client.podLogs(pod.metadata.namespace ?? ctx.namespace, pod.metadata.name!, { container: pod.spec.containers[0]!.name });
  for await (const chunk of stream) process.stdout.write(chunk as Buffer);
}

function exitCodeOfPod(p: Pod): number {
  const t = p.status?.containerStatuses?.[0]?.state?.terminated;
  return t?.exitCode ?? (p.status?.phase === 'Failed' ? 1 : 0);
}

export const runAttach = {
  prepare(pod: Pod, flags: RunAttachFlags): void {
    const c = pod.spec.containers[0]!;
    if (flags.stdin) {
      c.stdin = true;
      c.stdinOnce = true;
    }
    if (flags.tty) c.tty = true;
  },

  async attach(ctx: CliContext, pod: Pod, flags: RunAttachFlags): Promise<number> {
    const name = pod.metadata.name!;
    const ns = pod.metadata.namespace ?? ctx.namespace;
    let code = 0;
    try {
      const ready = await waitPod(ctx, pod, (p) => finished(p) || (p.status?.phase === 'Running' && !!p.status.containerStatuses?.[0]?.state?.running));
      if (finished(ready)) await printLogs(ctx, ready);
      else {
        if (flags.stdin && !flags.tty) ctx.err("If you don't see a command prompt, try pressing enter.");
        try {
          code = await runPodSession(ctx.client, { kind: 'attach', pod: ready, container: ready.spec.containers[0]!.name, stdin: !!flags.stdin, tty: !!flags.tty, err: ctx.err });
        } catch (err) {
          // It ended between the check and the attach: its logs have the output (kubectl falls back the same way).
          ctx.err(`warning: couldn't attach to pod/${name}, falling back to streaming logs: ${(err as Error).message}`);
          await printLogs(ctx, ready);
        }
      }
      if (flags.restart === 'Never' || flags.restart === 'OnFailure') {
        // The attach ends when the process closes its output; the pod's status says how it ended.
        const end = await waitPod(ctx, pod, finished).catch(() => undefined);
        if (end) code = exitCodeOfPod(end);
      }
    } finally {
      if (flags.rm) {
        await ctx.client.pods.delete(name, ns).catch(() => undefined);
        ctx.err(`pod "${name}" deleted`);
      }
    }
    return code;
  },
};
