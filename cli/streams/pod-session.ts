// What `orch exec`, `orch attach` and `orch run -i` share: pick the container as kubectl
// does, connect the local streams (and terminal) to pods/{name}/exec or /attach, and turn
// the error channel's Status into the exit code.

import { defaultContainer, defaultedNotice } from '../../api/default-container.js';
import type { Pod } from '../../api/types.js';
import { exitCodeOf } from '../../client/remote-command.js';
import type { ApiClient } from '../../client/rest-client.js';
import { openLocalTerminal } from './terminal.js';

/**
 * -c, else the default-container annotation, else the first container, saying so on
 * stderr when it had to pick (kubectl's "Defaulted container", api/default-container.ts).
 */
export function chooseContainer(pod: Pod, named: string | undefined, err: (t: string) => void): string {
  const names = pod.spec.containers.map((c) => c.name);
  if (named) {
    if (!names.includes(named)) throw new Error(`container ${named} is not valid for pod ${pod.metadata.name} (containers: ${names.join(', ')})`);
    return named;
  }
  const d = defaultContainer(pod);
  if (!d) throw new Error(`pod ${pod.metadata.name} has no containers`);
  const notice = defaultedNotice(pod, d);
  if (notice) err(notice);
  return d.name;
}

export interface PodSessionOptions {
  kind: 'exec' | 'attach';
  pod: Pod;
  container: string;
  command?: string[];
  stdin: boolean;
  tty: boolean;
  err(text: string): void;
}

/** Runs the session; resolves with the exit code to leave with. */
export async function runPodSession(client: ApiClient, o: PodSessionOptions): Promise<number> {
  let tty = o.tty;
  const terminal = tty && o.stdin ? openLocalTerminal() : undefined;
  if (tty && !terminal) {
    o.err('Unable to use a TTY - input is not a terminal or the right kind of file');
    tty = false;
  }
  const q = new URLSearchParams();
  q.set('container', o.container);
  for (const c of o.command ?? []) q.append('command', c);
  if (o.stdin) q.set('stdin', 'true');
  q.set('stdout', 'true');
  if (!tty) q.set('stderr', 'true');
  if (tty) q.set('tty', 'true');
  try {
    const status = await client.podStream(o.kind, o.pod.metadata.namespace ?? 'default', o.pod.metadata.name!, q, {
      stdin: o.stdin ? process.stdin : undefined,
      stdout: process.stdout,
      stderr: process.stderr,
      terminal: terminal?.size,
    });
    const code = exitCodeOf(status);
    if (status.status === 'Failure' && status.reason !== 'NonZeroExitCode') o.err(`error: ${status.message ?? 'the session failed'}`);
    return code;
  } finally {
    terminal?.restore();
    // Nothing more is read: let the process end (stdin would keep it alive).
    if (o.stdin) process.stdin.destroy();
  }
}
