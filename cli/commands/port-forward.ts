// `orch port-forward [pod/|svc/|deploy/]NAME [LOCAL:]REMOTE... [--address ADDR,...]`: local
// ports forwarded to a pod through the apiserver (cli/port-forward/). Runs until Ctrl-C.

import { Command } from 'commander';
import { resolveConnection, type ConnectionFlags } from '../client-config.js';
import { cliContext } from '../context.js';
import { startForwarder } from '../port-forward/forwarder.js';
import { parsePortSpec, resolveForward } from '../port-forward/target.js';

function parseAddresses(value: string): string[] {
  const out: string[] = [];
  for (const a of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (a === 'localhost') out.push('127.0.0.1');
    else if (/^[\d.]+$/.test(a) || a.includes(':')) out.push(a);
    else throw new Error(`--address "${a}" is not an IP address or localhost`);
  }
  if (!out.length) throw new Error('--address needs at least one address');
  return [...new Set(out)];
}

export function portForwardCommand(): Command {
  return new Command('port-forward')
    .description('Forward local ports to a pod (or the first running pod of svc/NAME or deploy/NAME) until Ctrl-C')
    .argument('<target>', 'POD, pod/NAME, svc/NAME or deploy/NAME')
    .argument('<ports...>', '[LOCAL:]REMOTE: 8080:80, 80 (same local port), :80 (any free local port); REMOTE may be a port name')
    .option('--address <addresses>', 'local addresses to listen on, comma-separated IPs or localhost', '127.0.0.1')
    .addHelpText('after', '\nExamples:\n  orch port-forward pod/web 8080:80\n  orch port-forward svc/web :80 --address 0.0.0.0\n  orch port-forward deploy/api 9000 9001')
    .action(async (target: string, portArgs: string[], flags: { address: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const { config } = resolveConnection(cmd.optsWithGlobals() as ConnectionFlags);
      const addresses = parseAddresses(flags.address);
      const plan = await resolveForward(ctx.client, ctx.namespace, target, portArgs.map(parsePortSpec));
      ctx.client.close();
      const fwd = await startForwarder({
        config,
        namespace: plan.pod.metadata.namespace ?? ctx.namespace,
        pod: plan.pod.metadata.name!,
        addresses,
        ports: plan.ports,
        out: ctx.out,
        err: ctx.err,
      });
      // Runs until interrupted; Ctrl-C (or a TERM) closes the listeners and open connections.
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void fwd.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
