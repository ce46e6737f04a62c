// `orch taint nodes NODE KEY[=VALUE]:EFFECT... KEY[:EFFECT]-...` (or -l / --all): add,
// replace (--overwrite) and remove node taints, with kubectl's spec syntax, checks and
// messages ("tainted", "untainted", "modified").

import { Command } from 'commander';
import { isConflict } from '../../api/errors.js';
import type { Taint } from '../../api/types.js';
import { cliContext } from '../context.js';
import { selectTargets } from '../object-targets.js';

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export interface TaintChanges {
  add: Taint[];
  remove: { key: string; effect?: string }[];
}

/** kubectl's parseTaints: KEY=VALUE:EFFECT or KEY:EFFECT to add; KEY- or KEY:EFFECT- to remove. */
export function parseTaintSpecs(specs: string[]): TaintChanges {
  const out: TaintChanges = { add: [], remove: [] };
  const checkEffect = (e: string, spec: string) => {
    if (!EFFECTS.includes(e)) throw new Error(`invalid taint spec: ${spec}, unsupported taint effect "${e}": use one of ${EFFECTS.join(', ')}`);
  };
  for (const spec of specs) {
    if (spec.endsWith('-')) {
      const body = spec.slice(0, -1);
      const [key, effect] = body.split(':');
      if (!key) throw new Error(`invalid taint spec: ${spec}`);
      if (effect !== undefined) checkEffect(effect, spec);
      out.remove.push({ key, effect });
      continue;
    }
    const colon = spec.lastIndexOf(':');
    if (colon < 0) throw new Error(`invalid taint spec: ${spec}, expected KEY[=VALUE]:EFFECT or KEY[:EFFECT]-`);
    const [kv, effect] = [spec.slice(0, colon), spec.slice(colon + 1)];
    checkEffect(effect, spec);
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    if (!key) throw new Error(`invalid taint spec: ${spec}, a key is required`);
    const taint: Taint = { key, effect: effect as Taint['effect'] };
    if (eq >= 0 && kv.slice(eq + 1) !== '') taint.value = kv.slice(eq + 1);
    out.add.push(taint);
  }
  const both = out.add.filter((a) => out.remove.some((r) => r.key === a.key && (!r.effect || r.effect === a.effect)));
  if (both.length) throw new Error(`can not both modify and remove the following taint(s) in the same command: ${both.map((t) => `${t.key}:${t.effect}`).join(', ')}`);
  return out;
}

/** The node's taints after the changes, or an error kubectl would give. */
export function applyTaintChanges(node: string, current: Taint[], c: TaintChanges, overwrite: boolean): Taint[] {
  let next = [...current];
  const clashes = c.add.filter((a) => current.some((t) => t.key === a.key && t.effect === a.effect));
  if (clashes.length && !overwrite) throw new Error(`node ${node} already has ${clashes.map((t) => t.key).join(', ')} taint(s) with same effect(s) and --overwrite is false`);
  for (const r of c.remove) {
    const kept = next.filter((t) => !(t.key === r.key && (!r.effect || t.effect === r.effect)));
    if (kept.length === next.length) throw new Error(`taint "${r.effect ? `${r.key}:${r.effect}` : r.key}" not found`);
    next = kept;
  }
  for (const a of c.add) {
    const i = next.findIndex((t) => t.key === a.key && t.effect === a.effect);
    if (i >= 0) next[i] = a;
    else next.push(a);
  }
  return next;
}

export function taintCommand(): Command {
  return new Command('taint')
    .description('Update the taints on nodes: orch taint nodes NODE dedicated=db:NoSchedule, orch taint nodes NODE dedicated:NoSchedule-')
    .argument('<args...>', 'nodes NODE..., node/NODE..., or nodes with -l/--all; then KEY[=VALUE]:EFFECT to add and KEY[:EFFECT]- to remove')
    .option('--overwrite', 'replace a taint with the same key and effect')
    .option('-l, --selector <selector>', 'the nodes with these labels')
    .option('--all', 'every node')
    .action(async (args: string[], flags: { overwrite?: boolean; selector?: string; all?: boolean }, cmd: Command) => {
      const first = args.findIndex((a) => a.includes(':') || a.includes('=') || (a.endsWith('-') && !a.includes('/')));
      if (first < 0) throw new Error('at least one taint update is required (KEY[=VALUE]:EFFECT or KEY[:EFFECT]-)');
      const changes = parseTaintSpecs(args.slice(first));
      const ctx = cliContext(cmd);
      const targets = await selectTargets(ctx, args.slice(0, first), flags, 'taint');
      for (const t of targets) if (t.r.kind !== 'Node') throw new Error(`taint works on nodes, not ${t.r.plural}`);
      const op = changes.add.length && changes.remove.length ? 'modified' : changes.add.length ? 'tainted' : 'untainted';
      for (const t of targets) {
        for (let attempt = 0; ; attempt++) {
          const node = await ctx.client.nodes.get(t.name);
          const taints = applyTaintChanges(t.name, node.spec?.taints ?? [], changes, Boolean(flags.overwrite));
          try {
            // The whole list (taints have no merge key), guarded by the version it was computed from.
            await ctx.client.nodes.patch(t.name, undefined, { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: taints.length ? taints : null } }, 'merge', { fieldManager: 'orch-taint' });
            break;
          } catch (err) {
            if (!isConflict(err) || attempt >= 4) throw err;
          }
        }
        ctx.out(`node/${t.name} ${op}`);
      }
    });
}
