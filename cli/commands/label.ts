// `orch label` and `orch annotate`: TYPE NAME... | TYPE/NAME... | TYPE -l SEL | TYPE --all,
// then KEY=VALUE (set) and KEY- (remove). A key that already has a different value is
// refused without --overwrite, as kubectl refuses it. Sent as a JSON merge patch of
// metadata.labels/annotations with the object's resourceVersion, so a concurrent writer
// gets a clear conflict instead of a lost update.

import { Command } from 'commander';
import { isConflict } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { cliContext, type CliContext } from '../context.js';
import { getObject, refLabel, selectTargets, type ObjectRef } from '../object-targets.js';
import { printObjects } from '../printers/print.js';
import { parseDryRun } from './apply.js';

type Field = 'labels' | 'annotations';

interface Changes {
  set: Record<string, string>;
  remove: string[];
}

/** Splits the arguments into objects and changes: the first KEY=VALUE or KEY- starts the changes. */
export function splitChanges(args: string[], what: string): { objects: string[]; changes: Changes } {
  // An object name never ends in '-', so `prefix.io/key-` is a removal, not TYPE/NAME.
  const first = args.findIndex((a) => a.includes('=') || (a.endsWith('-') && a.length > 1));
  if (first < 0) throw new Error(`at least one ${what} update is required (KEY=VALUE or KEY-)`);
  const changes: Changes = { set: {}, remove: [] };
  for (const a of args.slice(first)) {
    const eq = a.indexOf('=');
    if (eq > 0) {
      const key = a.slice(0, eq);
      if (key in changes.set) throw new Error(`can not both modify and remove a ${what} in the same command (or set it twice): ${key}`);
      changes.set[key] = a.slice(eq + 1);
    } else if (a.endsWith('-') && a.length > 1) changes.remove.push(a.slice(0, -1));
    else throw new Error(`invalid ${what} spec: ${a}, expected KEY=VALUE or KEY-`);
  }
  for (const k of changes.remove) if (k in changes.set) throw new Error(`can not both modify and remove a ${what} in the same command: ${k}`);
  return { objects: args.slice(0, first), changes };
}

/** The merge patch for `obj`, or an error when a value would be overwritten without --overwrite. */
export function metadataPatch(obj: KubeObject, field: Field, changes: Changes, overwrite: boolean): { patch?: Record<string, unknown>; removedOnly: boolean; warnings: string[] } {
  const current = (obj.metadata[field] ?? {}) as Record<string, string>;
  const what = field === 'labels' ? 'label' : 'annotation';
  const delta: Record<string, string | null> = {};
  const warnings: string[] = [];
  for (const [k, v] of Object.entries(changes.set)) {
    if (k in current && current[k] !== v && !overwrite) throw new Error(`'${k}' already has a value (${current[k]}), and --overwrite is false`);
    if (current[k] !== v) delta[k] = v;
  }
  for (const k of changes.remove) {
    if (k in current) delta[k] = null;
    else warnings.push(`${what} "${k}" not found.`);
  }
  if (!Object.keys(delta).length) return { removedOnly: false, warnings };
  const removedOnly = Object.values(delta).every((v) => v === null);
  return { patch: { metadata: { [field]: delta, resourceVersion: obj.metadata.resourceVersion } }, removedOnly, warnings };
}

async function updateOne(ctx: CliContext, t: ObjectRef, field: Field, changes: Changes, flags: MetaFlags): Promise<{ obj: KubeObject; changed: boolean; removedOnly: boolean }> {
  // A conflict means someone wrote in between: read again and redo the check, a few times.
  for (let attempt = 0; ; attempt++) {
    const obj = await getObject(ctx, t);
    const { patch, removedOnly, warnings } = metadataPatch(obj, field, changes, Boolean(flags.overwrite));
    for (const w of warnings) ctx.out(w); // kubectl prints these on stdout
    if (!patch) return { obj, changed: false, removedOnly: false };
    const dryRun = parseDryRun(flags.dryRun);
    if (dryRun === 'client') return { obj, changed: true, removedOnly };
    try {
      const out = await ctx.client.resource(t.r.plural).patch(t.name, t.namespace, patch, 'merge', { dryRun: dryRun === 'server', fieldManager: `orch-${field === 'labels' ? 'label' : 'annotate'}` });
      return { obj: out, changed: true, removedOnly };
    } catch (err) {
      if (!isConflict(err) || attempt >= 4) throw err;
    }
  }
}

interface MetaFlags {
  overwrite?: boolean;
  selector?: string;
  all?: boolean;
  allNamespaces?: boolean;
  filename?: string[];
  output?: string;
  dryRun?: string | boolean;
}

function metadataCommand(name: 'label' | 'annotate', field: Field): Command {
  const what = field === 'labels' ? 'label' : 'annotation';
  const [done, undone, none] = field === 'labels' ? ['labeled', 'unlabeled', 'not labeled'] : ['annotated', 'annotated', 'not annotated'];
  return new Command(name)
    .description(`Update the ${field} of objects: orch ${name} TYPE NAME KEY=VALUE... KEY-... (e.g. orch ${name} pods web-1 ${field === 'labels' ? 'tier=frontend' : "description='my frontend'"})`)
    .argument('<args...>', `TYPE NAME..., TYPE/NAME..., or TYPE with -l/--all; then KEY=VALUE to set and KEY- to remove`)
    .option('--overwrite', `replace a ${what} that already has a different value`)
    .option('-l, --selector <selector>', 'the objects of TYPE with these labels')
    .option('--all', 'every object of TYPE in the namespace')
    .option('-A, --all-namespaces', 'with -l or --all: in every namespace')
    .option('-f, --filename <path...>', 'the objects described in these manifests')
    .option('-o, --output <format>', 'yaml | json | name: print the updated objects')
    .option('--dry-run [mode]', 'client (only check) or server (validated by the server, nothing stored)')
    .action(async (args: string[], flags: MetaFlags, cmd: Command) => {
      const { objects, changes } = splitChanges(args, what);
      const ctx = cliContext(cmd);
      const targets = await selectTargets(ctx, objects, flags, name);
      if (!targets.length) {
        ctx.err('No resources found');
        return;
      }
      const suffix = flags.dryRun !== undefined && parseDryRun(flags.dryRun) !== 'none' ? ` (${parseDryRun(flags.dryRun)} dry run)` : '';
      const printed: KubeObject[] = [];
      for (const t of targets) {
        const { obj, changed, removedOnly } = await updateOne(ctx, t, field, changes, flags);
        if (flags.output) printed.push(obj);
        else ctx.out(`${refLabel(t)} ${!changed ? none : removedOnly ? undone : done}${suffix}`);
      }
      if (flags.output) ctx.out(printObjects(printed, targets[0]!.r.kind, { format: flags.output === 'name' ? 'name' : flags.output === 'json' ? 'json' : 'yaml' }));
    });
}

export const labelCommand = () => metadataCommand('label', 'labels');
export const annotateCommand = () => metadataCommand('annotate', 'annotations');
