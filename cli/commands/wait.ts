// `orch wait (TYPE NAME... | TYPE -l SEL | TYPE --all) --for=delete|condition=C[=V]|jsonpath=
// '{PATH}'[=VALUE] [--timeout 30s]`: watches each object until the condition holds, as
// kubectl wait does ("pod/web-1 condition met"; exit 1 on timeout).

import { Command } from 'commander';
import { isNotFound } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { parseDuration } from '../../foundation/duration.js';
import { cliContext, type CliContext } from '../context.js';
import { refLabel, selectTargets, type ObjectRef } from '../object-targets.js';
import { findResults, goJson, parseJsonPath, relaxedJsonPath } from '../printers/jsonpath.js';

/** true when the condition holds for the object (undefined: it does not exist). */
export type Condition = { forDelete: boolean; test: (obj: KubeObject | undefined) => boolean };

export function parseFor(spec: string): Condition {
  if (spec === 'delete') return { forDelete: true, test: (o) => o === undefined };
  if (spec.startsWith('condition=')) {
    const rest = spec.slice('condition='.length);
    const eq = rest.indexOf('=');
    const [type, want] = eq < 0 ? [rest, 'true'] : [rest.slice(0, eq), rest.slice(eq + 1)];
    if (!type) throw new Error('--for=condition=NAME[=VALUE]: name the condition');
    return {
      forDelete: false,
      test: (o) => {
        const conds = ((o as { status?: { conditions?: { type: string; status: string }[] } } | undefined)?.status?.conditions ?? []);
        return conds.some((c) => c.type.toLowerCase() === type.toLowerCase() && c.status.toLowerCase() === want.toLowerCase());
      },
    };
  }
  if (spec.startsWith('jsonpath=')) {
    const rest = spec.slice('jsonpath='.length);
    // The path ends at the closing brace when braced ('{.status.phase}=Running'), else at '='.
    const close = rest.startsWith('{') ? rest.indexOf('}') + 1 : -1;
    const eq = close > 0 ? (rest[close] === '=' ? close : -1) : rest.indexOf('=');
    if (close > 0 && close < rest.length && rest[close] !== '=') throw new Error(`--for=jsonpath: unexpected text after the path: ${rest.slice(close)}`);
    const [pathText, want] = eq < 0 ? [rest, undefined] : [rest.slice(0, eq), rest.slice(eq + 1)];
    const path = pathText.startsWith('{') ? parseJsonPath(pathText) : relaxedJsonPath(pathText);
    return {
      forDelete: false,
      test: (o) => {
        if (!o) return false;
        const found = findResults(path, o);
        if (want === undefined) return found.length > 0;
        if (found.length !== 1) return false;
        const v = found[0];
        return (typeof v === 'object' && v !== null ? goJson(v) : String(v)) === want;
      },
    };
  }
  throw new Error(`--for: unrecognized condition "${spec}": use delete, condition=NAME[=VALUE] or jsonpath='{PATH}'[=VALUE]`);
}

async function getOrUndefined(ctx: CliContext, t: ObjectRef): Promise<KubeObject | undefined> {
  try {
    return await ctx.client.resource(t.r.plural).get(t.name, t.namespace);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Waits until `cond` holds for `t` or the deadline passes; true when it held. */
export async function waitForObject(ctx: CliContext, t: ObjectRef, cond: Condition, deadline: number): Promise<boolean> {
  const rc = ctx.client.resource(t.r.plural);
  for (;;) {
    const obj = await getOrUndefined(ctx, t);
    if (cond.test(obj)) return true;
    if (!obj && !cond.forDelete) throw new Error(`${t.r.plural} "${t.name}" not found`);
    const remaining = deadline - Date.now();
    if (remaining <= 0) return false;
    const w = rc.watch({ namespace: t.namespace, fieldSelector: `metadata.name=${t.name}`, resourceVersion: obj!.metadata.resourceVersion, timeoutSeconds: Math.max(1, Math.ceil(remaining / 1000)) });
    const timer = setTimeout(() => w.stop(), remaining);
    try {
      for await (const ev of w) {
        if (ev.type === 'ERROR') break; // expired: read again
        if (ev.type === 'BOOKMARK') continue;
        if (cond.test(ev.type === 'DELETED' ? undefined : ev.object)) return true;
        if (ev.type === 'DELETED') break;
      }
    } finally {
      clearTimeout(timer);
      w.stop();
    }
    if (Date.now() >= deadline) return false;
  }
}

export function waitCommand(): Command {
  return new Command('wait')
    .description("Wait for a condition on objects: orch wait pod/web-1 --for=condition=Ready, --for=delete, --for=jsonpath='{.status.phase}'=Running")
    .argument('[args...]', 'TYPE NAME..., TYPE/NAME..., or TYPE with -l/--all')
    .requiredOption('--for <condition>', "delete | condition=NAME[=VALUE] (VALUE defaults to true) | jsonpath='{PATH}'[=VALUE]")
    .option('--timeout <duration>', 'how long to wait (0: check once)', '30s')
    .option('-l, --selector <selector>', 'the objects of TYPE with these labels')
    .option('--all', 'every object of TYPE in the namespace')
    .option('-A, --all-namespaces', 'with -l or --all: in every namespace')
    .option('-f, --filename <path...>', 'the objects described in these manifests')
    .action(async (args: string[], flags: { for: string; timeout: string; selector?: string; all?: boolean; allNamespaces?: boolean; filename?: string[] }, cmd: Command) => {
      const cond = parseFor(flags.for);
      const timeoutMs = parseDuration(flags.timeout, '--timeout');
      const ctx = cliContext(cmd);
      const targets = await selectTargets(ctx, args, { ...flags, allNamespaces: flags.allNamespaces || ctx.allNamespaces }, 'wait');
      if (!targets.length) throw new Error('no matching resources found');
      const deadline = Date.now() + timeoutMs;
      let failed = false;
      // One at a time against a shared deadline, as kubectl does.
      for (const t of targets) {
        // --for=delete of an object already gone: nothing to say (kubectl says nothing either).
        if (cond.forDelete && !(await getOrUndefined(ctx, t))) continue;
        if (await waitForObject(ctx, t, cond, deadline)) ctx.out(`${refLabel(t)} condition met`);
        else {
          failed = true;
          ctx.err(`error: timed out waiting for the condition on ${t.r.plural}/${t.name}`);
        }
      }
      if (failed) process.exitCode = 1;
    });
}
