// `orch delete -f FILE | TYPE NAME... | TYPE/NAME...` with --cascade, --grace-period, --wait.

import { Command } from 'commander';
import { isNotFound } from '../../api/errors.js';
import { resolveResourceName, resourceForKind, type ResourceInfo } from '../../api/resources.js';
import { cliContext, type CliContext } from '../context.js';
import { loadManifests } from '../manifest.js';
import { parseDuration } from '../../foundation/duration.js';

const CASCADE: Record<string, 'Background' | 'Foreground' | 'Orphan'> = { background: 'Background', foreground: 'Foreground', orphan: 'Orphan', true: 'Background', false: 'Orphan' };

interface Target {
  r: ResourceInfo;
  name: string;
  namespace?: string;
}

export function targetsFromArgs(args: string[], namespace: string): Target[] {
  const out: Target[] = [];
  if (args.length && args.every((a) => a.includes('/'))) {
    for (const a of args) {
      const [type, name] = [a.slice(0, a.indexOf('/')), a.slice(a.indexOf('/') + 1)];
      const r = resolveResourceName(type);
      if (!r) throw new Error(`the server doesn't have a resource type "${type}"`);
      out.push({ r, name, namespace: r.namespaced ? namespace : undefined });
    }
    return out;
  }
  const [type, ...names] = args;
  if (!type) throw new Error('say what to delete: orch delete TYPE NAME..., orch delete TYPE/NAME, or orch delete -f FILE');
  const r = resolveResourceName(type);
  if (!r) throw new Error(`the server doesn't have a resource type "${type}"`);
  if (!names.length) throw new Error(`name the ${r.plural} to delete (orch delete ${type} NAME...)`);
  return names.map((name) => ({ r, name, namespace: r.namespaced ? namespace : undefined }));
}

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
    .argument('[args...]', 'TYPE NAME... or TYPE/NAME...')
    .option('-f, --filename <path...>', 'delete the objects described in these manifests')
    .option('--cascade <mode>', 'background (default), foreground or orphan', 'background')
    .option('--grace-period <seconds>', 'seconds a pod gets to stop (0 = at once)')
    .option('--wait', 'wait until the objects are gone')
    .option('--timeout <duration>', 'how long --wait waits', '2m')
    .option('--ignore-not-found', 'succeed when an object does not exist')
    .action(async (args: string[], flags: { filename?: string[]; cascade: string; gracePeriod?: string; wait?: boolean; timeout: string; ignoreNotFound?: boolean }, cmd: Command) => {
      const propagationPolicy = CASCADE[flags.cascade.toLowerCase()];
      if (!propagationPolicy) throw new Error(`--cascade must be background, foreground or orphan (got "${flags.cascade}")`);
      let gracePeriodSeconds: number | undefined;
      if (flags.gracePeriod !== undefined) {
        gracePeriodSeconds = Number(flags.gracePeriod);
        if (!Number.isInteger(gracePeriodSeconds) || gracePeriodSeconds < 0) throw new Error(`--grace-period must be a whole number of seconds ≥ 0 (got "${flags.gracePeriod}")`);
      }
      const ctx = cliContext(cmd);
      let targets: Target[];
      if (flags.filename) {
        targets = loadManifests(flags.filename).map((item) => {
          const r = resourceForKind(item.object.apiVersion ?? '', item.object.kind ?? '');
          if (!r) throw new Error(`${item.source.file}, document ${item.source.document}: unknown kind "${item.object.kind}" in ${item.object.apiVersion}`);
          return { r, name: item.object.metadata.name ?? '', namespace: r.namespaced ? item.object.metadata.namespace ?? ctx.namespace : undefined };
        });
      } else targets = targetsFromArgs(args, ctx.namespace);
      const timeoutMs = parseDuration(flags.timeout, '--timeout');
      let failed = false;
      const deleted: Target[] = [];
      for (const t of targets) {
        const label = `${t.r.singular}${t.r.group ? `.${t.r.group}` : ''} "${t.name}"`;
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
