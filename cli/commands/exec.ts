// `orch exec [-i] [-t] [-c CONTAINER] POD -- COMMAND [ARGS...]`: runs a command in a pod's
// container through the apiserver (pods/{name}/exec, WebSocket v5.channel.k8s.io); its exit
// code becomes orch's.

import { Command } from 'commander';
import { cliContext } from '../context.js';
import { chooseContainer, runPodSession } from '../streams/pod-session.js';

export function execCommand(): Command {
  return new Command('exec')
    .description('Run a command in a container: orch exec [-i] [-t] [-c CONTAINER] POD -- COMMAND [ARGS...]')
    .argument('<pod>', 'the pod (POD or pod/NAME)')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('-c, --container <name>', 'the container (default: the default-container annotation, else the first)')
    .option('-i, --stdin', "pass this terminal's stdin to the command")
    .option('-t, --tty', 'give the command a terminal (with -i: an interactive shell)')
    .addHelpText('after', '\nExamples:\n  orch exec web-1 -- cat /etc/hostname\n  orch exec -it web-1 -- sh\n  echo hi | orch exec -i web-1 -c side -- cat\n\nThe exit code is the command\'s.')
    .action(async (podArg: string, command: string[], flags: { container?: string; stdin?: boolean; tty?: boolean }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const name = podArg.startsWith('pod/') || podArg.startsWith('pods/') ? podArg.slice(podArg.indexOf('/') + 1) : podArg;
      const pod = await ctx.client.pods.get(name, ctx.namespace);
      const container = chooseContainer(pod, flags.container, ctx.err);
      process.exitCode = await runPodSession(ctx.client, { kind: 'exec', pod, container, command, stdin: !!flags.stdin, tty: !!flags.tty, err: ctx.err });
    });
}
