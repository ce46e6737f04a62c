// `orch patch TYPE NAME -p PATCH [--type strategic|merge|json]` (or --patch-file): the patch
// goes to the server as is (JSON or YAML text), which applies it; "patched", or
// "patched (no change)" when the object's resourceVersion did not move, as kubectl says.

import fs from 'node:fs';
import { Command } from 'commander';
import YAML from 'yaml';
import type { PatchType } from '../../client/types.js';
import { cliContext } from '../context.js';
import { getObject, refLabel, selectTargets } from '../object-targets.js';
import { printObjects } from '../printers/print.js';
import { parseDryRun } from './apply.js';

const TYPES: PatchType[] = ['strategic', 'merge', 'json'];

/** The patch text as a value: JSON, or YAML (which kubectl accepts too). */
export function parsePatchText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    try {
      return YAML.parse(text);
    } catch (err) {
      throw new Error(`unable to parse ${source}: ${(err as Error).message}`);
    }
  }
}

export function patchCommand(): Command {
  return new Command('patch')
    .description(`Update fields of an object with a patch (e.g. orch patch deploy web -p '{"spec":{"replicas":3}}', orch patch node n1 --type json -p '[{"op":"add","path":"/spec/unschedulable","value":true}]')`)
    .argument('<args...>', 'TYPE NAME or TYPE/NAME')
    .option('-p, --patch <patch>', 'the patch, JSON or YAML')
    .option('--patch-file <file>', 'read the patch from this file')
    .option('--type <type>', 'strategic (default), merge (RFC 7386) or json (RFC 6902)', 'strategic')
    .option('-f, --filename <path...>', 'the objects described in these manifests')
    .option('--subresource <name>', 'patch this subresource (status)')
    .option('-o, --output <format>', 'yaml | json | name: print the patched object')
    .option('--dry-run [mode]', 'client (only check) or server (validated by the server, nothing stored)')
    .action(async (args: string[], flags: { patch?: string; patchFile?: string; type: string; filename?: string[]; subresource?: string; output?: string; dryRun?: string | boolean }, cmd: Command) => {
      const type = flags.type as PatchType;
      if (!TYPES.includes(type)) throw new Error(`--type: "${flags.type}" is not one of strategic, merge, json`);
      if ((flags.patch === undefined) === (flags.patchFile === undefined)) throw new Error('give the patch with exactly one of -p/--patch or --patch-file');
      let text = flags.patch;
      if (flags.patchFile !== undefined) {
        try {
          text = fs.readFileSync(flags.patchFile, 'utf8');
        } catch (err) {
          throw new Error(`cannot read --patch-file ${flags.patchFile}: ${(err as Error).message}`);
        }
      }
      const patch = parsePatchText(text!, flags.patchFile ?? '--patch');
      if (type === 'json' && !Array.isArray(patch)) throw new Error('a json patch must be a list of operations, e.g. [{"op":"replace","path":"/spec/replicas","value":3}]');
      if (type !== 'json' && (typeof patch !== 'object' || patch === null || Array.isArray(patch))) throw new Error(`a ${type} patch must be an object, e.g. {"spec":{"replicas":3}}`);
      if (flags.subresource !== undefined && flags.subresource !== 'status') throw new Error(`--subresource: only "status" can be patched (got "${flags.subresource}")`);
      const dryRun = parseDryRun(flags.dryRun);
      const ctx = cliContext(cmd);
      const targets = await selectTargets(ctx, args, flags, 'patch');
      for (const t of targets) {
        const before = await getObject(ctx, t);
        const rc = ctx.client.resource(t.r.plural);
        const after =
          dryRun === 'client'
            ? before
            : flags.subresource === 'status'
              ? await rc.patchStatus(t.name, t.namespace, patch, type)
              : await rc.patch(t.name, t.namespace, patch, type, { dryRun: dryRun === 'server', fieldManager: 'orch-patch' });
        if (flags.output) {
          ctx.out(printObjects([after], t.r.kind, { format: flags.output === 'name' ? 'name' : flags.output === 'json' ? 'json' : 'yaml' }));
          continue;
        }
        const unchanged = after.metadata.resourceVersion === before.metadata.resourceVersion && dryRun === 'none';
        ctx.out(`${refLabel(t)} patched${unchanged ? ' (no change)' : ''}${dryRun !== 'none' ? ` (${dryRun} dry run)` : ''}`);
      }
    });
}
