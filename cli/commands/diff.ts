// `orch diff -f FILE`: what `orch apply -f FILE` would change, as kubectl diff shows it —
// each object as it is (LIVE) and as the server says it would be after the apply (a
// server-side dry run: MERGED), as YAML files in two temp directories compared with
// `diff -u -N` (or $KUBECTL_EXTERNAL_DIFF). Exit 0: no differences, 1: differences,
// >1: an error. managedFields are left out and Secret values masked, as kubectl does.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import YAML from 'yaml';
import { isNotFound } from '../../api/errors.js';
import { resourceForKind } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { computeApplyPatch, withLastApplied } from '../apply-patch.js';
import { cliContext, type CliContext } from '../context.js';
import { loadManifests, type LoadedObject } from '../manifest.js';

/** What the object is now and what the apply would make it (undefined: absent). */
async function liveAndMerged(ctx: CliContext, item: LoadedObject): Promise<{ live?: KubeObject; merged?: KubeObject; fileName: string }> {
  const desired = JSON.parse(JSON.stringify(item.object)) as KubeObject;
  const r = resourceForKind(desired.apiVersion ?? '', desired.kind ?? '');
  if (!r) throw new Error(`${item.source.file}, document ${item.source.document}: no resource of kind "${desired.kind}" in ${desired.apiVersion}`);
  if (!desired.metadata?.name) throw new Error(`${item.source.file}, document ${item.source.document}: metadata.name is required`);
  if (r.namespaced) desired.metadata.namespace ??= ctx.namespace;
  else delete desired.metadata.namespace;
  const ns = r.namespaced ? desired.metadata.namespace : undefined;
  const rc = ctx.client.resource(r.plural);
  const fileName = [desired.apiVersion!.replace('/', '.'), desired.kind, ns, desired.metadata.name].filter(Boolean).join('.');
  let live: KubeObject | undefined;
  try {
    live = await rc.get(desired.metadata.name, ns);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!live) return { fileName, merged: await rc.create(withLastApplied(desired), { dryRun: true }) };
  const patch = computeApplyPatch(desired, live);
  return { fileName, live, merged: patch ? await rc.patch(desired.metadata.name, ns, patch, 'merge', { dryRun: true }) : live };
}

/** kubectl's Secret masking: equal values become ***, changed ones *** (before) / *** (after). */
export function maskSecrets(live: KubeObject | undefined, merged: KubeObject | undefined): void {
  if ((live ?? merged)?.kind !== 'Secret') return;
  const a = (live as { data?: Record<string, string> } | undefined)?.data;
  const b = (merged as { data?: Record<string, string> } | undefined)?.data;
  for (const k of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])) {
    const same = a?.[k] === b?.[k];
    if (a && k in a) a[k] = same ? '***' : '*** (before)';
    if (b && k in b) b[k] = same ? '***' : '*** (after)';
  }
}

function toYaml(o: KubeObject | undefined): string | undefined {
  if (!o) return undefined;
  delete (o.metadata as { managedFields?: unknown }).managedFields;
  return YAML.stringify(o, { sortMapEntries: true });
}

export function diffCommand(): Command {
  return new Command('diff')
    .description('Show what `orch apply -f` would change (a unified diff of the live objects and a server dry run); exit 1 when something would change')
    .requiredOption('-f, --filename <path...>', 'manifest file, directory, or - for stdin')
    .option('-R, --recursive', 'read directories recursively')
    .action(async (flags: { filename: string[]; recursive?: boolean }, cmd: Command) => {
      try {
        await runDiff(flags, cmd);
      } catch (err) {
        // kubectl diff: exit 1 means "differences"; errors are 2 and above.
        throw Object.assign(err as Error, { exitCode: 2 });
      }
    });
}

async function runDiff(flags: { filename: string[]; recursive?: boolean }, cmd: Command): Promise<void> {
      const items = loadManifests(flags.filename, { recursive: flags.recursive });
      const ctx = cliContext(cmd);
      const base = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-diff-'));
      const [liveDir, mergedDir] = [path.join(base, 'LIVE'), path.join(base, 'MERGED')];
      fs.mkdirSync(liveDir);
      fs.mkdirSync(mergedDir);
      try {
        for (const item of items) {
          const { live, merged, fileName } = await liveAndMerged(ctx, item);
          maskSecrets(live, merged);
          const [l, m] = [toYaml(live), toYaml(merged)];
          if (l !== undefined) fs.writeFileSync(path.join(liveDir, fileName), l);
          if (m !== undefined) fs.writeFileSync(path.join(mergedDir, fileName), m);
        }
        const external = process.env.KUBECTL_EXTERNAL_DIFF?.trim();
        const [prog, ...progArgs] = external ? external.split(/\s+/) : ['diff', '-u', '-N'];
        const res = spawnSync(prog!, [...progArgs, liveDir, mergedDir], { stdio: ['ignore', 'inherit', 'inherit'] });
        if (res.error) throw new Error(`cannot run ${prog}: ${res.error.message}`);
        // diff: 0 same, 1 different (passed on), 2+ trouble.
        process.exitCode = res.status ?? 2;
      } finally {
        fs.rmSync(base, { recursive: true, force: true });
      }
}
