// Running `ip`, `bridge`, `iptables-restore` and friends, with their output and errors
// kept. Netlink through the iproute2 tools is what flannel's scripts and most operators
// read: every change orch makes can be seen and repeated by hand (docs/networking.md).
// Shared by the agent (pod network) and the proxy (service rules). `prefix` runs the
// commands in another network namespace (tests, the multi-host harness:
// ['nsenter', '--net=/var/run/netns/NAME']).

import { execFile } from 'node:child_process';

export interface HostCommands {
  /** Runs a command; rejects with the command line and its stderr when it fails. */
  run(cmd: string, args: string[], input?: string): Promise<string>;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
    readonly code: number | string | undefined,
  ) {
    super(`${command}: ${stderr.trim() || `exit ${String(code)}`}`);
    this.name = 'CommandError';
  }
}

export function hostCommands(prefix: string[] = [], timeoutMs = 15_000): HostCommands {
  return {
    run(cmd, args, input) {
      const argv = [...prefix, cmd, ...args];
      return new Promise((resolve, reject) => {
        const child = execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
          if (err) reject(new CommandError(argv.join(' '), String(stderr), (err as NodeJS.ErrnoException).code));
          else resolve(String(stdout));
        });
        if (input !== undefined) child.stdin?.end(input);
      });
    },
  };
}
