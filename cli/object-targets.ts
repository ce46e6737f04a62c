// Which objects a verb acts on, the way kubectl's resource builder reads its arguments:
// `TYPE NAME...`, `TYPE/NAME...`, `TYPE -l SELECTOR`, `TYPE --all`, or `-f FILE`. Shared
// by delete, label, annotate, wait, patch, cordon and the rest, so every verb accepts
// the same forms and says the same thing when they are wrong.

import { resolveResourceName, resourceForKind, type ResourceInfo } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import type { CliContext } from './context.js';
import { loadManifests } from './manifest.js';

export interface ObjectRef {
  r: ResourceInfo;
  name: string;
  namespace?: string;
}

/** "pod", "deployment.apps": the type as kubectl prints it before a name. */
export const kindLabel = (r: ResourceInfo) => `${r.singular}${r.group ? `.${r.group}` : ''}`;

/** "deployment.apps/web" */
export const refLabel = (t: ObjectRef) => `${kindLabel(t.r)}/${t.name}`;

export function resourceOrThrow(type: string): ResourceInfo {
  const r = resolveResourceName(type);
  if (!r) throw new Error(`the server doesn't have a resource type "${type}"`);
  return r;
}

/** `TYPE NAME...` or `TYPE/NAME...` (no selector): the named objects. */
export function targetsFromArgs(args: string[], namespace: string, verb = 'delete'): ObjectRef[] {
  const ref = (r: ResourceInfo, name: string): ObjectRef => ({ r, name, namespace: r.namespaced ? namespace : undefined });
  if (args.length && args.every((a) => a.includes('/'))) {
    return args.map((a) => ref(resourceOrThrow(a.slice(0, a.indexOf('/'))), a.slice(a.indexOf('/') + 1)));
  }
  const [type, ...names] = args;
  if (!type) throw new Error(`say what to ${verb}: orch ${verb} TYPE NAME..., orch ${verb} TYPE/NAME, orch ${verb} TYPE -l SELECTOR or orch ${verb} -f FILE`);
  if (type.includes('/')) throw new Error(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'orch ${verb} ${type}' instead of 'orch ${verb} ${type.split('/')[0]} ${names[0] ?? ''}')`);
  const r = resourceOrThrow(type);
  if (!names.length) throw new Error(`resource(s) were provided, but no name was specified: name the ${r.plural} to ${verb}, or select them with -l or --all`);
  return names.map((name) => ref(r, name));
}

export interface SelectFlags {
  selector?: string;
  all?: boolean;
  filename?: string[];
  allNamespaces?: boolean;
  fieldSelector?: string;
}

/** The objects of a manifest (-f), with the context's namespace where they name none. */
export function targetsFromFiles(files: string[], namespace: string): ObjectRef[] {
  return loadManifests(files).map((item) => {
    const r = resourceForKind(item.object.apiVersion ?? '', item.object.kind ?? '');
    if (!r) throw new Error(`${item.source.file}, document ${item.source.document}: unknown kind "${item.object.kind}" in ${item.object.apiVersion}`);
    return { r, name: item.object.metadata.name ?? '', namespace: r.namespaced ? (item.object.metadata.namespace ?? namespace) : undefined };
  });
}

/** Every form: names, -l / --all (listed from the server), or -f. */
export async function selectTargets(ctx: CliContext, args: string[], flags: SelectFlags, verb: string): Promise<ObjectRef[]> {
  if (flags.filename?.length) {
    if (args.length) throw new Error(`name the objects either with -f or with arguments, not both`);
    return targetsFromFiles(flags.filename, ctx.namespace);
  }
  if (flags.selector !== undefined || flags.all || flags.fieldSelector !== undefined) {
    const [type, ...rest] = args;
    if (!type) throw new Error(`name a resource type to ${verb} with ${flags.all ? '--all' : '-l'} (e.g. orch ${verb} pods ${flags.all ? '--all' : '-l app=web'})`);
    if (rest.length) throw new Error(`name objects or select them with ${flags.all ? '--all' : '-l'}, not both`);
    const out: ObjectRef[] = [];
    for (const part of type.split(',')) {
      const r = resourceOrThrow(part);
      const ns = r.namespaced && !flags.allNamespaces ? ctx.namespace : undefined;
      const list = await ctx.client.resource(r.plural).list({ namespace: ns, labelSelector: flags.selector, fieldSelector: flags.fieldSelector });
      for (const o of list.items) out.push({ r, name: o.metadata.name ?? '', namespace: r.namespaced ? o.metadata.namespace : undefined });
    }
    return out;
  }
  return targetsFromArgs(args, ctx.namespace, verb);
}

export async function getObject(ctx: CliContext, t: ObjectRef): Promise<KubeObject> {
  return ctx.client.resource(t.r.plural).get(t.name, t.namespace);
}
