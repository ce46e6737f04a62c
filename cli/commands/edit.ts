// `orch edit TYPE NAME` (or TYPE/NAME): the object as YAML (or JSON with -o json) in
// $KUBE_EDITOR, else $EDITOR, else vi; on save, a merge patch from what was shown to what
// was saved, guarded by the resourceVersion shown. Like kubectl edit: comment lines are
// dropped, an empty file or no change cancels, and a save the server refuses reopens the
// editor with the error at the top; saving that again unchanged gives up, keeping a copy.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import YAML from 'yaml';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { twoWayMergePatch } from '../apply-patch.js';
import { cliContext, type CliContext } from '../context.js';
import { getObject, refLabel, selectTargets, type ObjectRef } from '../object-targets.js';

const HEADER = [
  'Please edit the object below. Lines beginning with a \'#\' will be ignored,',
  'and an empty file will abort the edit. If an error occurs while saving this file will be',
  'reopened with the relevant failures.',
];

/** The editor command as kubectl splits it: $KUBE_EDITOR, $EDITOR, vi; run through sh when it has spaces. */
export function editorCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBE_EDITOR || env.EDITOR || 'vi';
}

function runEditor(file: string): void {
  const editor = editorCommand();
  // A shell, so "code --wait" or "vim -u NONE" work as they do for kubectl.
  const res = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'orch-edit', file], { stdio: 'inherit' });
  if (res.error) throw new Error(`cannot start the editor "${editor}": ${res.error.message}`);
  if (res.status !== 0) throw new Error(`the editor "${editor}" exited with status ${res.status ?? res.signal}`);
}

const comment = (lines: string[]) => lines.map((l) => (l ? `# ${l}` : '#')).join('\n');

function serialize(obj: KubeObject, json: boolean): string {
  return json ? `${JSON.stringify(obj, null, 4)}\n` : YAML.stringify(obj);
}

/** The saved text without comment lines, parsed; undefined when empty. */
export function parseEdited(text: string, json: boolean): KubeObject | undefined {
  const body = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n');
  if (!body.trim()) return undefined;
  try {
    return (json ? JSON.parse(body) : YAML.parse(body)) as KubeObject;
  } catch (err) {
    throw new EditError([`The edited file had a syntax error: ${(err as Error).message}`]);
  }
}

class EditError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

function errorLines(t: ObjectRef, err: unknown): string[] {
  if (err instanceof ApiError) {
    const s = err.status;
    const causes = (s.details?.causes ?? []).map((c) => `* ${c.field ? `${c.field}: ` : ''}${c.message}`);
    return [`${t.r.plural} "${t.name}" was not valid:`, ...(causes.length ? causes : [`* ${s.message ?? err.message}`])];
  }
  return (err as Error).message.split('\n');
}

/** One object's edit session; true when it was saved (false: cancelled). */
async function editOne(ctx: CliContext, t: ObjectRef, json: boolean): Promise<'edited' | 'cancelled'> {
  const original = await getObject(ctx, t);
  // Not shown, as kubectl hides them (--show-managed-fields=false): nobody edits them by hand.
  delete (original.metadata as { managedFields?: unknown }).managedFields;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-edit-'));
  const file = path.join(dir, `${t.r.plural}-${t.name}.${json ? 'json' : 'yaml'}`);
  let content = serialize(original, json);
  let errors: string[] = [];
  let previous: string | undefined;
  try {
    for (;;) {
      const head = comment([...HEADER, '', ...errors.flatMap((e) => e.split('\n')), ...(errors.length ? [''] : [])]);
      fs.writeFileSync(file, `${head}\n${content}`);
      runEditor(file);
      const saved = fs.readFileSync(file, 'utf8');
      const body = saved.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n');
      if (previous !== undefined && body === previous) {
        // Saved again as it was after an error: kubectl gives up here and keeps the file.
        const keep = path.join(os.tmpdir(), `orch-edit-${process.pid}-${Date.now()}.${json ? 'json' : 'yaml'}`);
        fs.copyFileSync(file, keep);
        throw new Error(`Edit cancelled, no valid changes were saved.\nA copy of your changes has been stored to "${keep}"`);
      }
      let edited: KubeObject | undefined;
      try {
        edited = parseEdited(saved, json);
      } catch (err) {
        errors = (err as EditError).lines;
        content = body;
        previous = body;
        continue;
      }
      if (!edited) return 'cancelled';
      const patch = twoWayMergePatch(original, edited);
      if (!patch) return 'cancelled';
      errors = [];
      for (const f of ['apiVersion', 'kind'] as const) {
        if (edited[f] !== original[f]) errors.push(`${f} may not be changed (was ${JSON.stringify(original[f])})`);
      }
      if (edited.metadata?.name !== original.metadata.name) errors.push('metadata.name may not be changed');
      if (!errors.length) {
        try {
          // The version shown is the precondition: a change made meanwhile is a conflict, not lost.
          const meta = (patch.metadata ?? {}) as Record<string, unknown>;
          patch.metadata = { ...meta, resourceVersion: original.metadata.resourceVersion ?? null };
          await ctx.client.resource(t.r.plural).patch(t.name, t.namespace, patch, 'merge', { fieldManager: 'orch-edit' });
          return 'edited';
        } catch (err) {
          errors = errorLines(t, err);
        }
      }
      content = body;
      previous = body;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function editCommand(): Command {
  return new Command('edit')
    .description('Edit objects in your editor ($KUBE_EDITOR, $EDITOR, else vi) and save them to the server')
    .argument('<args...>', 'TYPE NAME..., TYPE/NAME...')
    .option('-o, --output <format>', 'yaml (default) or json: the format to edit in', 'yaml')
    .option('-l, --selector <selector>', 'the objects of TYPE with these labels')
    .option('-f, --filename <path...>', 'the objects described in these manifests')
    .action(async (args: string[], flags: { output: string; selector?: string; filename?: string[] }, cmd: Command) => {
      if (flags.output !== 'yaml' && flags.output !== 'json') throw new Error(`--output must be yaml or json (got "${flags.output}")`);
      const ctx = cliContext(cmd);
      const targets = await selectTargets(ctx, args, flags, 'edit');
      for (const t of targets) {
        const result = await editOne(ctx, t, flags.output === 'json');
        ctx.out(result === 'edited' ? `${refLabel(t)} edited` : 'Edit cancelled, no changes made.');
      }
    });
}
