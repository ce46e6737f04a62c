// `orch scale deploy/NAME --replicas N`: a merge patch of spec.replicas, as kubectl scale
// patches it. No resourceVersion precondition: reading the scale and writing it back with
// its resourceVersion failed with a Conflict whenever a controller wrote the object between
// the two requests.

import { Command } from 'commander';
import { resolveResourceName } from '../../api/resources.js';
import { cliContext, splitTypeName } from '../context.js';

export function scaleCommand(): Command {
  return new Command('scale')
    .description('Set the number of replicas of a Deployment, ReplicaSet or StatefulSet')
    .argument('<target>', 'deploy/NAME, rs/NAME, sts/NAME, or TYPE NAME')
    .argument('[name]')
    .requiredOption('--replicas <n>', 'the new number of replicas')
    .action(async (target: string, maybeName: string | undefined, flags: { replicas: string }, cmd: Command) => {
      const replicas = Number(flags.replicas);
      if (!Number.isInteger(replicas) || replicas < 0) throw new Error(`--replicas must be a whole number ≥ 0 (got "${flags.replicas}")`);
      const ctx = cliContext(cmd);
      const { type, name } = splitTypeName(target, maybeName);
      const r = resolveResourceName(type);
      if (!r || !r.subresources.includes('scale')) throw new Error(`"${type}" cannot be scaled: use deployments, replicasets or statefulsets`);
      if (!name) throw new Error(`name the ${r.singular} to scale (orch scale ${r.shortNames[0] ?? r.plural}/NAME --replicas N)`);
      const rc = ctx.client.resource(r.plural);
      await rc.patch(name, ctx.namespace, { spec: { replicas } }, 'merge');
      ctx.out(`${r.singular}${r.group ? `.${r.group}` : ''}/${name} scaled`);
    });
}
