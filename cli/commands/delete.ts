// `orch delete -f FILE | TYPE NAME... | TYPE/NAME... | TYPE -l SELECTOR | TYPE --all` with
// --cascade, --grace-period, --now, --force; waits until the objects are gone unless
// --wait=false, as kubectl does.

import { Command } from 'commander';
import { isNotFound } from '../../api/errors.js';
import { cliContext, type CliContext } from '../context.js';
import { kindLabel, selectTargets, type ObjectRef as Target } from '../object-targets.js';
import { parseDuration } from '../../foundation/duration.js';
import { parseBoolFlag } from '../bool-flag.js';

const CASCADE: Record<string, 'Background' | 'Foreground' | 'Orphan'> = { background: 'Background', foreground: 'Foreground', orphan: 'Orphan', true: 'Background', false: 'Orphan' };

async function waitGone(ctx: CliContext, t: Target, deadline: number): Promise<boolean> {
  const rc = ctx.client.resource(t.r.plural);
  while (Date.now() < deadline) {
    let rv: string | undefined;
    try {
      rv = (await rc.get(t.name, t.namespace)).metadata.resourceVersion;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
    const w = rc.watch({ namespace: t.namespace, fieldSelector: `metadata.name=${t.name}`, resourceVersion: rv, timeoutSeconds: Math.max(1, Math.ceil((deadline - Date.now()) / 1000)) });
    for await (const ev of w) {
      if (ev.type === 'DELETED') {
        w.stop();
        return true;
      }
    }
  }
  return false;
}

export function deleteCommand(): Command {
  return new Command('delete')
    .description('Delete objects by type and name, or those in manifests (-f)')
    .argument('[args...]', 'TYPE NAME..., TYPE/NAME..., or TYPE with -l/--all')
    .option('-f, --filename <path...>', 'delete the objects described in these manifests')
    .option('-l, --selector <selector>', 'delete the objects of TYPE with these labels, e.g. app=web')
    .option('--all', 'delete every object of TYPE in the namespace')
    .option('-A, --all-namespaces', 'with -l or --all: in every namespace')
    .option('--cascade <mode>', 'background (default), foreground or orphan', 'background')
    .option('--grace-period <seconds>', 'seconds a pod gets to stop (0 = at once)')
    .option('--now', 'the same as --grace-period=1')
    .option('--force', 'with --grace-period=0: remove at once, without waiting for the pod to stop')
    .option('--wait [bool]', 'wait until the objects are gone (default true; --wait=false to return at once)', parseBoolFlag, true)
    .option('--timeout <duration>', 'how long --wait waits', '2m')
    .option('--ignore-not-found', 'succeed when an object does not exist')
    .action(async (args: string[], flags: { filename?: string[]; selector?: string; all?: boolean; allNamespaces?: boolean; cascade: string; gracePeriod?: string; now?: boolean; force?: boolean; wait: boolean; timeout: string; ignoreNotFound?: boolean }, cmd: Command) => {
      const propagationPolicy = CASCADE[flags.cascade.toLowerCase()];
      if (!propagationPolicy) throw new Error(`--cascade must be background, foreground or orphan (got "${flags.cascade}")`);
      let gracePeriodSeconds: number | undefined;
      if (flags.gracePeriod !== undefined) {
        gracePeriodSeconds = Number(flags.gracePeriod);
        if (!Number.isInteger(gracePeriodSeconds) || gracePeriodSeconds < 0) throw new Error(`--grace-period must be a whole number of seconds ≥ 0 (got "${flags.gracePeriod}")`);
      }
      if (flags.now) gracePeriodSeconds ??= 1;
      if (flags.force && gracePeriodSeconds === undefined) gracePeriodSeconds = 0;
      if (flags.force && gracePeriodSeconds === 0) process.stderr.write('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
      const ctx = cliContext(cmd);
      const targets: Target[] = await selectTargets(ctx, args, { ...flags, allNamespaces: flags.allNamespaces || ctx.allNamespaces }, 'delete');
      if (!targets.length && (flags.selector !== undefined || flags.all)) {
        ctx.out('No resources found'); // on stdout, as kubectl delete says it
        return;
      }
      const timeoutMs = parseDuration(flags.timeout, '--timeout');
      let failed = false;
      const deleted: Target[] = [];
      for (const t of targets) {
        const label = `${kindLabel(t.r)} "${t.name}"`;
        try {
          await ctx.client.resource(t.r.plural).delete(t.name, t.namespace, { propagationPolicy, gracePeriodSeconds });
          ctx.out(`${label} deleted`);
          deleted.push(t);
        } catch (err) {
          if (isNotFound(err) && flags.ignoreNotFound) continue;
          failed = true;
          ctx.err(`error: ${isNotFound(err) ? `${label} not found${t.namespace ? ` in namespace "${t.namespace}"` : ''}` : (err as Error).message}`);
        }
      }
      if (flags.wait) {
        const deadline = Date.now() + timeoutMs;
        for (const t of deleted) {
          if (!(await waitGone(ctx, t, deadline))) {
            failed = true;
            ctx.err(`error: timed out waiting for ${t.r.singular} "${t.name}" to be gone`);
          }
        }
      }
      if (failed) process.exitCode = 1;
    });
}
