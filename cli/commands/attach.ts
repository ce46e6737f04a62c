// `orch attach [-i] [-t] [-c CONTAINER] POD`: the output (and with -i the stdin) of a
// running container's own process, through pods/{name}/attach. Stdin reaches it only when
// the container was created with `stdin: true`; a terminal only with `tty: true`.

import { Command } from 'commander';
import { cliContext } from '../context.js';
import { chooseContainer, runPodSession } from '../streams/pod-session.js';

export function attachCommand(): Command {
  return new Command('attach')
    .description("Attach to a running container's process: orch attach [-i] [-t] [-c CONTAINER] POD")
    .argument('<pod>', 'the pod (POD or pod/NAME)')
    .option('-c, --container <name>', 'the container (default: the default-container annotation, else the first)')
    .option('-i, --stdin', "pass this terminal's stdin to the process (the container needs stdin: true)")
    .option('-t, --tty', 'the container has a terminal (tty: true): use this one as its terminal')
    .action(async (podArg: string, flags: { container?: string; stdin?: boolean; tty?: boolean }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const name = podArg.startsWith('pod/') || podArg.startsWith('pods/') ? podArg.slice(podArg.indexOf('/') + 1) : podArg;
      const pod = await ctx.client.pods.get(name, ctx.namespace);
      const container = chooseContainer(pod, flags.container, ctx.err);
      const spec = pod.spec.containers.find((c) => c.name === container);
      if (flags.stdin && !spec?.stdin) ctx.err(`warning: container ${container} was not created with stdin: true; what you type does not reach it`);
      if (flags.tty && !spec?.tty) ctx.err(`Unable to use a TTY - container ${container} did not allocate one`);
      process.exitCode = await runPodSession(ctx.client, { kind: 'attach', pod, container, stdin: !!flags.stdin, tty: !!flags.tty && !!spec?.tty, err: ctx.err });
    });
}
