// The hidden `orch __complete WORD...` behind the shell completions (as cobra's
// __complete is behind kubectl's): given the words typed after `orch` (the last one is
// the word being completed, maybe empty), prints the candidates one per line —
// subcommands, flags, flag values (-o formats, namespaces, contexts), resource types, and
// object names read from the server with the connection the typed flags describe. Quick
// (a 3 s limit on the server) and quiet: any error prints nothing.

import type { Command, Option } from 'commander';
import { RESOURCES, resolveResourceName } from '../api/resources.js';
import { ApiClient } from '../client/rest-client.js';
import { readConfigFile } from '../client/kubeconfig.js';
import { configPath, resolveConnection, type ConnectionFlags } from './client-config.js';
import { kubeconfigPaths, loadKubeconfig } from './kubeconfig-file.js';

/** Commands whose first argument is a resource type and the next ones its names. */
const TYPED = new Set(['get', 'describe', 'delete', 'edit', 'patch', 'label', 'annotate', 'wait', 'scale', 'expose', 'status', 'history', 'undo', 'restart', 'pause', 'resume', 'image']);
/** Commands whose arguments are objects of one type. */
const FIXED: Record<string, string> = { logs: 'pods', exec: 'pods', attach: 'pods', 'port-forward': 'pods', cp: 'pods', cordon: 'nodes', uncordon: 'nodes', drain: 'nodes' };
const OUTPUTS = ['json', 'yaml', 'wide', 'name', 'jsonpath=', 'jsonpath-file=', 'custom-columns=', 'custom-columns-file='];

const typeWords = () => [...new Set(RESOURCES.flatMap((r) => [r.plural, r.singular, ...r.shortNames]))].sort();

function findOption(cmd: Command, word: string): Option | undefined {
  for (let c: Command | null = cmd; c; c = c.parent) {
    const o = c.options.find((x) => x.long === word || x.short === word);
    if (o) return o;
  }
  return undefined;
}

/** `-n ns`: the next word is the value. (`--dry-run [mode]` and `--wait [bool]` take theirs only after '='.) */
const takesValue = (o: Option | undefined) => Boolean(o?.required);

interface Parsed {
  cmd: Command;
  positionals: string[];
  flags: Record<string, string | boolean>;
  /** The flag whose value is being typed (`-n <TAB>`), if any. */
  valueOf?: Option;
}

/** Walks the words before the current one: the subcommand reached, its arguments and flags. */
export function parseWords(root: Command, words: string[]): Parsed {
  let cmd = root;
  const positionals: string[] = [];
  const flags: Record<string, string | boolean> = {};
  let pending: Option | undefined;
  let afterDashes = false;
  for (const w of words) {
    if (pending) {
      flags[pending.attributeName()] = w;
      pending = undefined;
      continue;
    }
    if (w === '--') {
      afterDashes = true;
      continue;
    }
    if (!afterDashes && w.startsWith('-') && w.length > 1) {
      const eq = w.indexOf('=');
      const name = eq > 0 ? w.slice(0, eq) : w;
      const o = findOption(cmd, name);
      if (o && eq > 0) flags[o.attributeName()] = w.slice(eq + 1);
      else if (takesValue(o)) pending = o;
      else if (o) flags[o.attributeName()] = true;
      continue;
    }
    const sub = !positionals.length ? cmd.commands.find((c) => c.name() === w || c.aliases().includes(w)) : undefined;
    if (sub) cmd = sub;
    else positionals.push(w);
  }
  return { cmd, positionals, flags, valueOf: pending };
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Names of `plural` objects in the namespace the typed flags choose. */
async function objectNames(plural: string, flags: Record<string, string | boolean>): Promise<string[]> {
  const { config, namespace } = resolveConnection({ ...(flags as ConnectionFlags), namespace: typeof flags.namespace === 'string' ? flags.namespace : undefined });
  const client = new ApiClient({ ...config, timeoutMs: 3000, userAgent: 'orch-complete' });
  try {
    const r = resolveResourceName(plural);
    if (!r) return [];
    const list = await withTimeout(client.resource(r.plural).list({ namespace: r.namespaced && !flags.allNamespaces ? namespace : undefined }), 3000);
    return list.items.map((o) => o.metadata.name ?? '').filter(Boolean);
  } finally {
    client.close();
  }
}

function contextNames(flags: Record<string, string | boolean>): string[] {
  const kc = kubeconfigPaths(typeof flags.kubeconfig === 'string' ? flags.kubeconfig : undefined);
  if (kc) return [...loadKubeconfig(kc.paths, kc.explicit).contexts.keys()];
  return Object.keys(readConfigFile(configPath())?.contexts ?? {});
}

function flagWords(cmd: Command): string[] {
  const out = new Set<string>();
  for (let c: Command | null = cmd; c; c = c.parent) for (const o of c.options) if (o.long && !o.hidden) out.add(o.long);
  return [...out];
}

/** The candidates for the last of `words` (all that start with it). */
export async function complete(root: Command, words: string[]): Promise<string[]> {
  const cur = words.at(-1) ?? '';
  const p = parseWords(root, words.slice(0, -1));
  const candidates = await candidatesFor(p, cur);
  return candidates.filter((c) => c.startsWith(cur));
}

async function candidatesFor(p: Parsed, cur: string): Promise<string[]> {
  const { cmd, positionals, flags } = p;
  if (p.valueOf) return flagValues(p.valueOf.long ?? '', flags);
  if (cur.startsWith('--') && cur.includes('=')) {
    const name = cur.slice(0, cur.indexOf('='));
    return (await flagValues(name, flags)).map((v) => `${name}=${v}`);
  }
  if (cur.startsWith('-')) return flagWords(cmd);
  const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => c.name());
  if (subs.length && !positionals.length) return subs;
  const name = cmd.name();
  const fixed = FIXED[name];
  if (fixed) return objectNames(fixed, flags);
  if (name === 'taint') return positionals.length ? objectNames('nodes', flags) : ['nodes', 'node', 'no'];
  if (!TYPED.has(name)) return [];
  // TYPE/NAME in one word.
  const slash = cur.indexOf('/');
  if (slash >= 0) {
    const type = cur.slice(0, slash);
    return (await objectNames(type, flags)).map((n) => `${type}/${n}`);
  }
  if (!positionals.length) return typeWords();
  if (positionals[0]!.includes('/')) return [];
  return objectNames(positionals[0]!.split(',')[0]!, flags);
}

async function flagValues(flag: string, flags: Record<string, string | boolean>): Promise<string[]> {
  switch (flag) {
    case '--output':
      return OUTPUTS;
    case '--namespace':
      return objectNames('namespaces', flags);
    case '--context':
      return contextNames(flags);
    default:
      return [];
  }
}

export async function runComplete(root: Command, words: string[]): Promise<void> {
  try {
    const out = await complete(root, words.length ? words : ['']);
    if (out.length) process.stdout.write(`${out.join('\n')}\n`);
  } catch {
    // Completion must never print an error into the user's command line.
  }
}
