// `orch cordon NODE...` / `orch uncordon NODE...` (or -l SELECTOR): mark nodes
// (un)schedulable with spec.unschedulable, as kubectl does, and say so per node.

import { Command } from 'commander';
import { cliContext, type CliContext } from '../context.js';
import { selectTargets, type ObjectRef } from '../object-targets.js';

/** Sets spec.unschedulable; returns false when the node already was that way. */
export async function setUnschedulable(ctx: CliContext, name: string, unschedulable: boolean, dryRun = false): Promise<boolean> {
  const node = await ctx.client.nodes.get(name);
  if (Boolean(node.spec?.unschedulable) === unschedulable) return false;
  // null removes the field, as kubectl's uncordon patch does (an unschedulable: false is not stored).
  if (!dryRun) await ctx.client.nodes.patch(name, undefined, { spec: { unschedulable: unschedulable ? true : null } }, 'strategic', { fieldManager: 'orch-cordon' });
  return true;
}

/** `NODE...` or `-l SELECTOR` → node names (a leading "node/" or "nodes/" is allowed). */
export async function nodeTargets(ctx: CliContext, args: string[], selector: string | undefined, verb: string): Promise<ObjectRef[]> {
  if (!args.length && selector === undefined) throw new Error(`name the nodes to ${verb} (orch ${verb} NODE..., or -l SELECTOR)`);
  const targets = await selectTargets(ctx, selector !== undefined ? ['nodes', ...args] : args.map((a) => (a.includes('/') ? a : `nodes/${a}`)), { selector }, verb);
  for (const t of targets) if (t.r.kind !== 'Node') throw new Error(`${verb} works on nodes, not ${t.r.plural}`);
  return targets;
}

function cordonFamily(verb: 'cordon' | 'uncordon'): Command {
  const unschedulable = verb === 'cordon';
  return new Command(verb)
    .description(unschedulable ? 'Mark nodes unschedulable: no new pods are placed there (running pods stay)' : 'Mark nodes schedulable again')
    .argument('[nodes...]', 'node names')
    .option('-l, --selector <selector>', 'the nodes with these labels')
    .option('--dry-run [mode]', 'only say what would change')
    .action(async (args: string[], flags: { selector?: string; dryRun?: string | boolean }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const dry = flags.dryRun !== undefined && flags.dryRun !== 'none' && flags.dryRun !== false;
      for (const t of await nodeTargets(ctx, args, flags.selector, verb)) {
        const changed = await setUnschedulable(ctx, t.name, unschedulable, dry);
        ctx.out(`node/${t.name} ${changed ? `${verb}ed` : `already ${verb}ed`}${dry ? ' (dry run)' : ''}`);
      }
    });
}

export const cordonCommand = () => cordonFamily('cordon');
export const uncordonCommand = () => cordonFamily('uncordon');
